package dev.omg.transport;

import java.util.ArrayList;
import java.util.List;

/**
 * INTERNAL API. The engine-wide bound on bytes of requests read and not yet answered
 * ({@code omg.transport.max-unanswered-bytes}): a connection takes a frame's weight before it buffers the frame's
 * payload (see {@link ConnectionBudget}) and waits when none is left; the socket is not read meanwhile
 * (backpressure). When nothing is taken, one frame may take more than the limit, so a frame up to the maximum
 * always passes.
 *
 * <p>Thread-safe. Waiters are called, on the thread that gives bytes back, once after they registered, and try
 * again.
 */
public final class ByteBudget {
  private final long limit;
  private long used;
  private List<Runnable> waiters = new ArrayList<>();

  public ByteBudget(long limit) {
    this.limit = limit;
  }

  /** Takes {@code bytes} when there are that many left; otherwise takes nothing and calls {@code whenFreed} later. */
  public boolean tryTake(long bytes, Runnable whenFreed) {
    synchronized (this) {
      if (used == 0 || used + bytes <= limit) {
        used += bytes;
        return true;
      }
      waiters.add(whenFreed);
      return false;
    }
  }

  /**
   * Takes {@code bytes} whatever is left: what a frame decoded to beyond its own bytes, known only once it is
   * decoded. Readers wait until the excess is given back.
   */
  public synchronized void takeAnyway(long bytes) {
    used += bytes;
  }

  /** Gives back {@code bytes} taken before, and wakes whoever waits. */
  public void giveBack(long bytes) {
    if (bytes == 0) {
      return;
    }
    List<Runnable> wake;
    synchronized (this) {
      used -= bytes;
      wake = waiters;
      waiters = new ArrayList<>();
    }
    wake.forEach(Runnable::run);
  }
}
