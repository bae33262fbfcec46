package dev.omg.routing;

import dev.omg.handler.CommandStats;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** INTERNAL API. Request counters, updated by {@link RequestRouter} on every request; cheap under contention. */
public final class RoutingMetrics {
  private final Map<String, CommandMetrics> commands = new ConcurrentHashMap<>();
  private final LongAdder served = new LongAdder();
  private final AtomicLong inFlight = new AtomicLong();
  private final AtomicLong queued = new AtomicLong();
  private final LongAdder overloaded = new LongAdder();
  /** Completed, and cleared, when in-flight next reaches 0; null while no one waits. */
  private CompletableFuture<Void> idle;

  /** Counts a request in unless {@code limit} are in flight already; false means it must be refused. */
  boolean tryStart(long limit) {
    long now;
    do {
      now = inFlight.get();
      if (now >= limit) {
        return false;
      }
    } while (!inFlight.compareAndSet(now, now + 1));
    return true;
  }

  void refused() {
    overloaded.increment();
    served.increment();
  }

  void finished() {
    served.increment();
    if (inFlight.decrementAndGet() == 0) {
      CompletableFuture<Void> waiting;
      synchronized (this) {
        waiting = idle;
        idle = null;
      }
      if (waiting != null) {
        waiting.complete(null);
      }
    }
  }

  /**
   * Completes when no request is in flight: at once if none is now, else when the last one is answered. What a
   * drain waits for, once new requests are refused.
   */
  public CompletionStage<Void> whenIdle() {
    CompletableFuture<Void> waiting;
    synchronized (this) {
      if (idle == null || idle.isDone()) {
        idle = new CompletableFuture<>();
      }
      waiting = idle;
    }
    // Checked after the future is published: a request answered in between either sees it or left 0 here.
    if (inFlight.get() == 0) {
      waiting.complete(null);
    }
    return waiting;
  }

  void enqueued() {
    queued.incrementAndGet();
  }

  void taken() {
    queued.decrementAndGet();
  }

  /** The counters of configured command {@code command}, created on first use. */
  CommandMetrics command(String command) {
    return commands.computeIfAbsent(command, CommandMetrics::new);
  }

  /** Each configured command's counters, in name order. */
  public List<CommandStats> commands() {
    return new TreeMap<>(commands).values().stream().map(CommandMetrics::snapshot).toList();
  }

  /** Requests answered since start. */
  public long served() {
    return served.sum();
  }

  /** Requests answered OVERLOADED since start. */
  public long overloaded() {
    return overloaded.sum();
  }

  /** Requests dispatched and not yet answered. */
  public long inFlight() {
    return inFlight.get();
  }

  /** Requests sent to a handler actor that has not yet taken them off its mailbox, answered or not. */
  public long queued() {
    return queued.get();
  }
}
