package dev.omg.transport;

import dev.omg.protocol.Progress;
import dev.omg.protocol.Request;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * INTERNAL API. One request in flight on one connection, as the dispatcher sees it: who sent it, a way to send
 * progress frames for it (when the client asked for them with a StreamRequest), and its cancellation.
 *
 * <p>Progress frames share one bounded queue per connection. When the client does not read them fast enough
 * and the queue is full, {@link #progress} drops the event and returns false; the sequence number is spent
 * anyway, so the client sees the gap, and the engine logs one warning per request, within the rate limit of
 * {@link ClientWarnings#DROPPED_PROGRESS}. The final reply is never
 * dropped: it waits (with backpressure) until every accepted progress frame of its request has been written.
 */
public final class Exchange {
  private static final Logger log = LoggerFactory.getLogger(Exchange.class);

  /** A progress frame on its way out, with the exchange that waits for it. */
  record Frame(Exchange owner, Progress progress) {}

  private final Request request;
  private final PeerCredentials peer;
  private final boolean streamed;
  private final ProgressMerge.Queue progressQueue;
  private final WarningLimiter dropWarnings;
  private final CompletableFuture<Void> cancelled = new CompletableFuture<>();
  private long lastSeq;
  private long pending;
  private long dropped;
  private boolean finished;
  private CompletableFuture<Void> drained;

  /**
   * @param peer who sent it, or null when unknown
   * @param streamed whether the client asked for progress frames
   * @param progressQueue the connection's progress queue (of {@code Frame}s); may be null when not streamed
   * @param dropWarnings the engine's limit on warnings about dropped progress; may be null when not streamed
   */
  public Exchange(Request request, PeerCredentials peer, boolean streamed, ProgressMerge.Queue progressQueue,
      WarningLimiter dropWarnings) {
    this.request = request;
    this.peer = peer;
    this.streamed = streamed;
    this.progressQueue = progressQueue;
    this.dropWarnings = dropWarnings;
  }

  /** An exchange with no connection behind it: no progress, never cancelled; for dispatching a bare request. */
  public static Exchange detached(Request request) {
    return new Exchange(request, null, false, null, null);
  }

  public Request request() {
    return request;
  }

  /** The peer's credentials, or null when unknown. */
  public PeerCredentials peer() {
    return peer;
  }

  /** Whether the client asked for progress frames. */
  public boolean streamed() {
    return streamed;
  }

  /** Completes when the client cancels this request. */
  public CompletionStage<Void> whenCancelled() {
    return cancelled;
  }

  /** The client cancelled this request. */
  public void cancel() {
    cancelled.complete(null);
  }

  /**
   * Queues one progress frame. False when it was not sent: the client did not ask for progress, the request has
   * ended, the connection is gone, or the client is not reading (the queue is full; the event is dropped).
   */
  public boolean progress(Object payload) {
    if (!streamed) {
      return false;
    }
    long seq;
    synchronized (this) {
      if (finished) {
        return false;
      }
      seq = ++lastSeq;
      pending++;
    }
    if (progressQueue.offer(new Frame(this, new Progress(request.id(), seq, payload)))) {
      return true;
    }
    boolean first;
    CompletableFuture<Void> done;
    synchronized (this) {
      pending--;
      first = dropped++ == 0;
      done = pending == 0 && finished ? drained : null;
    }
    if (first && dropWarnings.allow()) {
      try (var id = MDC.putCloseable("requestId", Long.toString(request.id()));
          var command = MDC.putCloseable("command", String.valueOf(request.command()))) {
        log.warn("request {} '{}': the client is not reading progress frames; dropped event {} (and any further"
            + " ones while the queue is full; the client sees the gap in seq)", request.id(), request.command(),
            seq);
      }
    }
    if (done != null) {
      done.complete(null);
    }
    return false;
  }

  /** Called as a progress frame of this exchange leaves the connection's flow. */
  Progress emitted(Progress progress) {
    CompletableFuture<Void> done;
    synchronized (this) {
      pending--;
      done = pending == 0 && finished ? drained : null;
    }
    if (done != null) {
      done.complete(null);
    }
    return progress;
  }

  /** Ends the exchange: no more progress; completes once every accepted progress frame has been emitted. */
  CompletionStage<Void> finish() {
    synchronized (this) {
      finished = true;
      if (pending == 0) {
        return CompletableFuture.completedFuture(null);
      }
      drained = new CompletableFuture<>();
      return drained;
    }
  }
}
