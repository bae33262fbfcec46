package dev.omg.routing;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** INTERNAL API. Request counters, updated by the dispatcher on every request; cheap under contention. */
public final class RoutingMetrics {
  private final LongAdder served = new LongAdder();
  private final AtomicLong inFlight = new AtomicLong();

  void started() {
    inFlight.incrementAndGet();
  }

  void finished() {
    inFlight.decrementAndGet();
    served.increment();
  }

  /** Requests answered since start. */
  public long served() {
    return served.sum();
  }

  /** Requests dispatched and not yet answered. */
  public long inFlight() {
    return inFlight.get();
  }
}
