package dev.omg.client;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A point in time by which a whole exchange (connect, hello, request, retries) must be over, on the monotonic
 * clock. Immutable; share one across the steps of a command so that together they take at most {@link #budget()}.
 */
public final class Deadline {
  private final Duration budget;
  private final long endNanos;

  private Deadline(Duration budget, long endNanos) {
    this.budget = budget;
    this.endNanos = endNanos;
  }

  /** A deadline {@code budget} from now. */
  public static Deadline after(Duration budget) {
    return new Deadline(budget, System.nanoTime() + budget.toNanos());
  }

  /**
   * A deadline {@code budget} after something that began {@code alreadySpent} ago (e.g. the process's start), so
   * that the time before this call counts too.
   */
  public static Deadline after(Duration budget, Duration alreadySpent) {
    return new Deadline(budget, System.nanoTime() + budget.toNanos() - alreadySpent.toNanos());
  }

  /** The whole time this deadline allows, for messages ("within 3 s"). */
  public Duration budget() {
    return budget;
  }

  /** Time left, zero once passed. */
  public long remainingNanos() {
    return Math.max(0, endNanos - System.nanoTime());
  }

  /** Time left in whole milliseconds, rounded up so that a wait never ends before the deadline; 0 once passed. */
  public long remainingMillis() {
    long nanos = remainingNanos();
    return nanos == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(nanos + 999_999);
  }

  public boolean passed() {
    return remainingNanos() == 0;
  }

  @Override
  public String toString() {
    return "Deadline[budget=" + budget + ", remaining=" + Duration.ofNanos(remainingNanos()) + "]";
  }
}
