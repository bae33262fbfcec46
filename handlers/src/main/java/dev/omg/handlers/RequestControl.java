package dev.omg.handlers;

import dev.omg.handler.HandlerRequest;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * INTERNAL API. The engine's side of one {@link HandlerRequest}: where its progress events go, and its
 * cancellation. A cancel reaches the handler actor that is serving the request as a second delivery of the same
 * request, which the handler base class turns into {@code onCancel}; a request cancelled before its handler
 * took it up is never served at all.
 */
public final class RequestControl {
  /** What the handler base class does with a delivered request. */
  public enum Delivery {
    /** Serve it: call {@code handle}. */
    SERVE,
    /** It was cancelled before it was served: skip it. */
    SKIP,
    /** It is being served and was cancelled since: call {@code onCancel}. */
    CANCEL
  }

  private final Predicate<Object> progress;
  private ActorRef<HandlerRequest> servedBy;
  private HandlerRequest request;
  private boolean cancelled;

  /** @param progress sends one progress event and says whether it went; null when the client wants none */
  public RequestControl(Predicate<Object> progress) {
    this.progress = progress;
  }

  /** No progress, never cancelled by a client. */
  public static RequestControl detached() {
    return new RequestControl(null);
  }

  public boolean progress(Object event) {
    synchronized (this) {
      if (cancelled) {
        return false;
      }
    }
    return progress != null && progress.test(event);
  }

  public synchronized boolean isCancelled() {
    return cancelled;
  }

  /** Called by the handler base class for each delivery of {@code delivered} to the actor {@code self}. */
  public synchronized Delivery deliver(HandlerRequest delivered, ActorRef<HandlerRequest> self) {
    if (servedBy == null) {
      if (cancelled) {
        return Delivery.SKIP;
      }
      servedBy = self;
      request = delivered;
      return Delivery.SERVE;
    }
    return cancelled ? Delivery.CANCEL : Delivery.SKIP;
  }

  /** Cancels the request (client cancel or deadline): tells the handler serving it, once. */
  public void cancel() {
    ActorRef<HandlerRequest> handler;
    HandlerRequest served;
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      handler = servedBy;
      served = request;
    }
    if (handler != null) {
      handler.tell(served);
    }
  }
}
