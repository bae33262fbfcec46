package dev.omg.it.bench;

import dev.omg.it.bench.EchoTarget.BlockingEcho;
import dev.omg.it.bench.EchoTarget.PipelinedEcho;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;

/** The measurements, the same code for every target. Each prints its progress on stderr. */
final class Workloads implements AutoCloseable {
  /** The longest a pipelined connection may go without any reply before the run is declared stuck. */
  static final Duration REPLY_TIMEOUT = Duration.ofSeconds(10);
  /** How often a long workload says how far it has come. */
  static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(5);

  /** Latency percentiles of the sequential workload, in microseconds. */
  record Latency(double p50, double p99, double p999) {}

  /** The shape of a pipelined run: {@code connections} x {@code window} requests in flight. */
  record Pipeline(int connections, int window, int payloadSize, Duration warmUp, Duration measure) {}

  private final PrintStream progress;
  private final ScheduledExecutorService watchdogs = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "bench-watchdog");
    thread.setDaemon(true);
    return thread;
  });

  Workloads(PrintStream progress) {
    this.progress = progress;
  }

  /**
   * One connection, one request at a time: {@code warmUps} round trips (or {@code warmUpLimit}, whichever ends
   * first), then {@code count} timed ones. The whole run is bounded by a watchdog that closes the connection.
   */
  Latency sequential(EchoTarget target, int payloadSize, int warmUps, Duration warmUpLimit, int count)
      throws Exception {
    byte[] payload = payload(payloadSize);
    // Generous: 5 ms a round trip is far beyond any healthy target, even on a busy machine.
    Duration limit = warmUpLimit.plus(REPLY_TIMEOUT).plusMillis(5L * count);
    try (BlockingEcho echo = target.openBlocking();
        Watchdog watchdog = new Watchdog(limit, echo)) {
      try {
        say(target, "sequential: warm-up, up to " + String.format("%,d", warmUps) + " round trips or "
            + warmUpLimit.toSeconds() + " s…");
        long warmUpEnd = System.nanoTime() + warmUpLimit.toNanos();
        for (int i = 0; i < warmUps && System.nanoTime() < warmUpEnd; i++) {
          expectLength(echo.call(payload), payloadSize);
        }
        say(target, "sequential: measuring " + String.format("%,d", count) + " round trips…");
        Histogram histogram = new Histogram(3);
        for (int i = 0; i < count; i++) {
          long start = System.nanoTime();
          int echoed = echo.call(payload);
          histogram.recordValue(System.nanoTime() - start);
          expectLength(echoed, payloadSize);
        }
        Latency latency = new Latency(micros(histogram, 50), micros(histogram, 99), micros(histogram, 99.9));
        say(target, String.format("sequential: p50 %.1f µs, p99 %.1f µs, p99.9 %.1f µs",
            latency.p50(), latency.p99(), latency.p999()));
        return latency;
      } catch (Exception e) {
        if (watchdog.fired()) {
          throw new TimeoutException("sequential run did not finish within " + limit.toSeconds() + " s");
        }
        throw e;
      }
    }
  }

  /**
   * A new connection for every request: open (for the engine, connect and exchange hellos), one echo, close;
   * {@code warmUps} untimed, then {@code count} timed from before the open to after the close. A connection that
   * makes no progress for {@link #REPLY_TIMEOUT} is closed by a watchdog, which fails the run.
   */
  Latency connects(EchoTarget target, int payloadSize, int warmUps, int count) throws Exception {
    byte[] payload = payload(payloadSize);
    try (StallWatchdog watchdog = new StallWatchdog(REPLY_TIMEOUT, Thread.currentThread())) {
      try {
        say(target, "new connection + first reply: warm-up, " + String.format("%,d", warmUps) + " connections…");
        for (int i = 0; i < warmUps; i++) {
          connectOnce(target, payload, watchdog);
        }
        say(target, "new connection + first reply: measuring " + String.format("%,d", count) + " connections…");
        Histogram histogram = new Histogram(3);
        long nextProgress = System.nanoTime() + PROGRESS_INTERVAL.toNanos();
        for (int i = 0; i < count; i++) {
          long start = System.nanoTime();
          connectOnce(target, payload, watchdog);
          long end = System.nanoTime();
          histogram.recordValue(end - start);
          if (end > nextProgress) {
            say(target, String.format("new connection + first reply: %,d of %,d…", i + 1, count));
            nextProgress = end + PROGRESS_INTERVAL.toNanos();
          }
        }
        Latency latency = new Latency(micros(histogram, 50), micros(histogram, 99), micros(histogram, 99.9));
        say(target, String.format("new connection + first reply: p50 %.1f µs, p99 %.1f µs", latency.p50(),
            latency.p99()));
        return latency;
      } catch (Exception e) {
        if (watchdog.fired()) {
          // The watchdog may have interrupted this thread; the next workload must not inherit that.
          Thread.interrupted();
          throw new TimeoutException("a new connection made no progress for " + REPLY_TIMEOUT.toSeconds() + " s");
        }
        throw e;
      }
    }
  }

  private static void connectOnce(EchoTarget target, byte[] payload, StallWatchdog watchdog) throws Exception {
    try (BlockingEcho echo = target.openBlocking()) {
      watchdog.watch(echo);
      expectLength(echo.call(payload), payload.length);
    }
    watchdog.progressed();
  }

  /**
   * Each connection has a sender thread that keeps {@code window} requests in flight; replies release the window.
   * Returns completed requests per second over the measured interval, after the warm-up.
   */
  double pipelined(EchoTarget target, String label, Pipeline shape) throws Exception {
    byte[] payload = payload(shape.payloadSize());
    LongAdder completed = new LongAdder();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    AtomicBoolean running = new AtomicBoolean(true);
    List<PipelinedEcho> connections = new ArrayList<>();
    List<Thread> senders = new ArrayList<>();
    try {
      for (int i = 0; i < shape.connections(); i++) {
        connections.add(target.openPipelined());
      }
      for (PipelinedEcho connection : connections) {
        Thread sender = new Thread(() -> sendLoop(connection, payload, shape.window(), running, completed, failure),
            "bench-sender-" + target.name() + "-" + senders.size());
        sender.setDaemon(true);
        senders.add(sender);
      }
      say(target, label + ": warm-up " + shape.warmUp().toMillis() / 1000.0 + " s ("
          + shape.connections() + " connections x " + shape.window() + " in flight)…");
      senders.forEach(Thread::start);
      await(shape.warmUp(), failure);
      say(target, label + ": measuring " + shape.measure().toMillis() / 1000.0 + " s…");
      long startCount = completed.sum();
      long start = System.nanoTime();
      await(shape.measure(), failure);
      long endCount = completed.sum();
      long end = System.nanoTime();
      running.set(false);
      for (Thread sender : senders) {
        sender.join(REPLY_TIMEOUT.toMillis() + 1_000);
      }
      rethrow(failure);
      double perSecond = (endCount - startCount) * 1e9 / (end - start);
      say(target, String.format("%s: %,.0f requests/s", label, perSecond));
      return perSecond;
    } finally {
      running.set(false);
      for (PipelinedEcho connection : connections) {
        connection.close();
      }
    }
  }

  private static void sendLoop(PipelinedEcho connection, byte[] payload, int window, AtomicBoolean running,
      LongAdder completed, AtomicReference<Throwable> failure) {
    Semaphore inFlight = new Semaphore(window);
    try {
      while (running.get() && failure.get() == null) {
        if (!inFlight.tryAcquire(REPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          failure.compareAndSet(null, new TimeoutException(
              "no reply for " + REPLY_TIMEOUT.toSeconds() + " s with " + window + " requests in flight"));
          return;
        }
        connection.send(payload, (echoedLength, error) -> {
          if (error != null) {
            failure.compareAndSet(null, error);
          } else if (echoedLength != payload.length) {
            failure.compareAndSet(null,
                new IOException("echo of " + payload.length + " bytes came back as " + echoedLength));
          } else {
            completed.increment();
          }
          inFlight.release();
        });
      }
      // Let the last requests land before the connection is closed, so closing is not mistaken for a failure.
      if (!inFlight.tryAcquire(window, REPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        failure.compareAndSet(null, new TimeoutException("requests still in flight " + REPLY_TIMEOUT.toSeconds()
            + " s after the run ended"));
      }
    } catch (InterruptedException | RuntimeException e) {
      failure.compareAndSet(null, e);
    }
  }

  /** Sleeps for {@code duration}, returning early if a sender has failed. */
  private static void await(Duration duration, AtomicReference<Throwable> failure) throws Exception {
    long end = System.nanoTime() + duration.toNanos();
    long left;
    while ((left = end - System.nanoTime()) > 0 && failure.get() == null) {
      TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
    }
    rethrow(failure);
  }

  private static void rethrow(AtomicReference<Throwable> failure) throws Exception {
    Throwable cause = failure.get();
    if (cause instanceof Exception e) {
      throw e;
    }
    if (cause != null) {
      throw new IllegalStateException(cause);
    }
  }

  static byte[] payload(int size) {
    byte[] payload = new byte[size];
    for (int i = 0; i < size; i++) {
      payload[i] = (byte) i;
    }
    return payload;
  }

  private static void expectLength(int echoed, int sent) throws IOException {
    if (echoed != sent) {
      throw new IOException("echo of " + sent + " bytes came back as " + echoed);
    }
  }

  private static double micros(Histogram histogram, double percentile) {
    return histogram.getValueAtPercentile(percentile) / 1000.0;
  }

  void say(EchoTarget target, String message) {
    progress.println("[" + target.name() + "] " + message);
  }

  @Override
  public void close() {
    watchdogs.shutdownNow();
  }

  /** Closes a connection when its run overstays a limit, which makes a blocked call fail. */
  private final class Watchdog implements AutoCloseable {
    private final ScheduledFuture<?> alarm;
    private volatile boolean fired;

    Watchdog(Duration limit, AutoCloseable connection) {
      this.alarm = watchdogs.schedule(() -> {
        fired = true;
        try {
          connection.close();
        } catch (Exception e) {
          // The connection is being abandoned; the timeout is what gets reported.
        }
      }, limit.toMillis(), TimeUnit.MILLISECONDS);
    }

    boolean fired() {
      return fired;
    }

    @Override
    public void close() {
      alarm.cancel(false);
    }
  }

  /**
   * Fails a run of many short connections when one of them stalls: if no connection completes for {@code limit},
   * it closes the current one and interrupts the measuring thread (which also ends a JDK channel's connect).
   */
  private final class StallWatchdog implements AutoCloseable {
    private final ScheduledFuture<?> check;
    private volatile long lastProgress = System.nanoTime();
    private volatile AutoCloseable current;
    private volatile boolean fired;

    StallWatchdog(Duration limit, Thread worker) {
      this.check = watchdogs.scheduleWithFixedDelay(() -> {
        if (fired || System.nanoTime() - lastProgress < limit.toNanos()) {
          return;
        }
        fired = true;
        AutoCloseable stalled = current;
        try {
          if (stalled != null) {
            stalled.close();
          }
        } catch (Exception e) {
          // The connection is being abandoned; the timeout is what gets reported.
        }
        worker.interrupt();
      }, 1, 1, TimeUnit.SECONDS);
    }

    void watch(AutoCloseable connection) {
      current = connection;
    }

    void progressed() {
      current = null;
      lastProgress = System.nanoTime();
    }

    boolean fired() {
      return fired;
    }

    @Override
    public void close() {
      check.cancel(false);
    }
  }
}
