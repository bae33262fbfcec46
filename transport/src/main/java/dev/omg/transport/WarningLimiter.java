package dev.omg.transport;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * INTERNAL API. Rate-limits the warnings of one cause that a client can trigger at will (refused, malformed or
 * idle-closed connections, overload), so that a client left looping cannot fill the disk or the journal: the
 * first {@code burst} warnings pass, then one per {@code interval}; {@link #report} logs how many were held back
 * since it last ran. Lock-free (one compare-and-set per warning), as it is called on the selector threads.
 *
 * <p>The bound is a token bucket kept as one timestamp (the generic cell rate algorithm): {@code nextFree} is
 * when the bucket would be full again, and a warning passes while that lies at most {@code burst - 1} intervals
 * ahead.
 */
public final class WarningLimiter {
  private final String cause;
  private final Logger log;
  private final long intervalNanos;
  private final long slackNanos;
  private final LongSupplier nanoClock;
  private final AtomicLong nextFree;
  private final AtomicLong suppressed = new AtomicLong();
  private final AtomicLong reportedAt;

  /**
   * @param cause how the suppressed-count line names these warnings, e.g. {@code malformed input}
   * @param log where that line goes: the logger of the warnings themselves
   * @param nanoClock {@link System#nanoTime} outside tests
   */
  public WarningLimiter(String cause, Logger log, int burst, java.time.Duration interval, LongSupplier nanoClock) {
    if (burst < 1 || interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("burst must be at least 1 and interval positive, got " + burst + " and "
          + interval);
    }
    this.cause = cause;
    this.log = log;
    this.intervalNanos = interval.toNanos();
    this.slackNanos = (burst - 1) * intervalNanos;
    this.nanoClock = nanoClock;
    long now = nanoClock.getAsLong();
    this.nextFree = new AtomicLong(now);
    this.reportedAt = new AtomicLong(now);
  }

  /** Whether this warning may be logged now; when not, it is counted for the next {@link #report}. */
  public boolean allow() {
    long now = nanoClock.getAsLong();
    while (true) {
      long free = nextFree.get();
      // Differences, not comparisons, of nanoTime values: they may wrap.
      long base = free - now > 0 ? free : now;
      if (base - now > slackNanos) {
        suppressed.incrementAndGet();
        return false;
      }
      if (nextFree.compareAndSet(free, base + intervalNanos)) {
        return true;
      }
    }
  }

  /** Logs "N more CAUSE warnings suppressed in the last T s" when any were; called once per interval. */
  public void report() {
    long now = nanoClock.getAsLong();
    long since = reportedAt.getAndSet(now);
    long count = suppressed.getAndSet(0);
    if (count > 0) {
      log.warn("{} more {} warnings suppressed in the last {} s", count, cause, (now - since + 500_000_000L)
          / 1_000_000_000L);
    }
  }

  /** Warnings held back since the last {@link #report}. */
  public long suppressed() {
    return suppressed.get();
  }

  public String cause() {
    return cause;
  }
}
