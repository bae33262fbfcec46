package dev.omg.transport;

/**
 * INTERNAL API. One connection's bytes of requests read and not done with
 * ({@code omg.transport.max-unanswered-bytes-per-connection}), inside the engine-wide {@link ByteBudget}.
 * A frame's weight is taken from both before its payload is buffered; it goes back to the engine when the request
 * is answered, and to the connection when the answer leaves for the socket. So a client that does not read its
 * answers holds at most this connection's bound, and never the engine's.
 *
 * <p>Used by one connection's stream stages; synchronized because wake-ups come from other threads.
 */
public final class ConnectionBudget {
  private final long limit;
  private final ByteBudget shared;
  private long used;
  private long sharedHeld;
  private boolean closed;
  private Runnable waiter;

  /** A connection bound of {@code limit} bytes within {@code shared}, or within nothing when it is null. */
  public ConnectionBudget(long limit, ByteBudget shared) {
    this.limit = limit;
    this.shared = shared;
  }

  /** No bound at all: for connections in tests and tools. */
  public static ConnectionBudget unlimited() {
    return new ConnectionBudget(Long.MAX_VALUE, null);
  }

  /**
   * Takes {@code bytes} when the connection and the engine both have them; otherwise takes nothing and calls
   * {@code whenFreed} once bytes are given back.
   */
  public boolean tryTake(long bytes, Runnable whenFreed) {
    synchronized (this) {
      if (closed) {
        return false;
      }
      if (used > 0 && used + bytes > limit) {
        waiter = whenFreed;
        return false;
      }
      if (shared != null && !shared.tryTake(bytes, whenFreed)) {
        return false;
      }
      used += bytes;
      sharedHeld += bytes;
      return true;
    }
  }

  /** Takes {@code bytes} from both bounds whatever is left (see {@link ByteBudget#takeAnyway}). */
  public void takeAnyway(long bytes) {
    synchronized (this) {
      if (closed) {
        return;
      }
      used += bytes;
      sharedHeld += bytes;
    }
    if (shared != null) {
      shared.takeAnyway(bytes);
    }
  }

  /** The request of {@code bytes} is answered: the engine-wide bound has them back. */
  public void answered(long bytes) {
    synchronized (this) {
      if (closed) {
        return;
      }
      sharedHeld -= bytes;
    }
    if (shared != null) {
      shared.giveBack(bytes);
    }
  }

  /**
   * What an answered request holds of this connection changes from {@code before} to {@code after} bytes (its
   * encoded answer, which is all that waits for the socket). The engine-wide bound is not involved.
   */
  public void reweigh(long before, long after) {
    Runnable wake = null;
    synchronized (this) {
      if (closed) {
        return;
      }
      used += after - before;
      if (after < before) {
        wake = waiter;
        waiter = null;
      }
    }
    if (wake != null) {
      wake.run();
    }
  }

  /** The answer of a request of {@code bytes} has left for the socket: the connection has them back. */
  public void written(long bytes) {
    Runnable wake;
    synchronized (this) {
      if (closed) {
        return;
      }
      used -= bytes;
      wake = waiter;
      waiter = null;
    }
    if (wake != null) {
      wake.run();
    }
  }

  /** A request done with at once (a cancel, a refusal): both bounds have its bytes back. */
  public void release(long bytes) {
    answered(bytes);
    written(bytes);
  }

  /** The connection ended: the engine gets back everything it still held; later calls do nothing. */
  public void close() {
    long held;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      held = sharedHeld;
      sharedHeld = 0;
      waiter = null;
    }
    if (shared != null && held != 0) {
      shared.giveBack(held);
    }
  }
}
