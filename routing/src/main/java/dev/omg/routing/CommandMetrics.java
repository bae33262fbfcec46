package dev.omg.routing;

import dev.omg.handler.CommandStats;
import dev.omg.protocol.Status;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * INTERNAL API. One command's counters and latency histogram. Recording is wait-free (an HdrHistogram
 * {@link Recorder}); a snapshot folds what was recorded since the last one into the all-time histogram.
 */
final class CommandMetrics {
  /** Latencies are kept in microseconds, up to an hour, to 3 significant digits. */
  private static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);

  private final String command;
  private final LongAdder requests = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final LongAdder cancelled = new LongAdder();
  private final AtomicLong inFlight = new AtomicLong();
  private final AtomicLong queued = new AtomicLong();
  private final Recorder recorder = new Recorder(HIGHEST_MICROS, 3);
  private final Histogram total = new Histogram(HIGHEST_MICROS, 3);
  private Histogram interval;

  CommandMetrics(String command) {
    this.command = command;
  }

  void started() {
    inFlight.incrementAndGet();
  }

  /** The request was sent towards the handler actor's mailbox. */
  void enqueued() {
    queued.incrementAndGet();
  }

  /** The handler actor took the request off its mailbox. */
  void taken() {
    queued.decrementAndGet();
  }

  void finished(Status status, long nanos) {
    inFlight.decrementAndGet();
    requests.increment();
    if (status == Status.CANCELLED) {
      cancelled.increment();
    } else if (status != Status.OK) {
      errors.increment();
    }
    recorder.recordValue(Math.min(HIGHEST_MICROS, Math.max(0, TimeUnit.NANOSECONDS.toMicros(nanos))));
  }

  synchronized CommandStats snapshot() {
    interval = recorder.getIntervalHistogram(interval);
    total.add(interval);
    boolean empty = total.getTotalCount() == 0;
    return new CommandStats(command, requests.sum(), errors.sum(), cancelled.sum(), inFlight.get(), queued.get(),
        empty ? 0 : total.getValueAtPercentile(50), empty ? 0 : total.getValueAtPercentile(90),
        empty ? 0 : total.getValueAtPercentile(99), empty ? 0 : total.getMaxValue());
  }
}
