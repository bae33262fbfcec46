package dev.omg.handlers;

import dev.omg.handler.HandlerRequest;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * INTERNAL API. The engine's side of one {@link HandlerRequest}: where its progress events go, and its
 * cancellation. A cancel reaches the handler actor that is serving the request as a second delivery of the same
 * request, which the handler base class turns into {@code onCancel}; a request cancelled before its handler
 * took it up is never served at all. The engine also learns when the handler actor takes the request off its
 * mailbox ({@code taken}), whether it serves it or skips it: until then the request still occupies memory and
 * counts against the handler's {@code max-queued}, even if the client has been answered already.
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
  private final Runnable taken;
  private boolean delivered;
  private ActorRef<HandlerRequest> servedBy;
  private HandlerRequest request;
  private boolean cancelled;

  /** @param progress sends one progress event and says whether it went; null when the client wants none */
  public RequestControl(Predicate<Object> progress) {
    this(progress, null);
  }

  /**
   * @param progress sends one progress event and says whether it went; null when the client wants none
   * @param taken run once, on the handler actor's thread, when the handler takes the request off its mailbox
   *     (to serve or to skip it); null when nobody counts
   */
  public RequestControl(Predicate<Object> progress, Runnable taken) {
    this.progress = progress;
    this.taken = taken;
  }

  /** No progress, never cancelled by a client. */
  public static RequestControl detached() {
    return new RequestControl(null, null);
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
  public Delivery deliver(HandlerRequest delivered, ActorRef<HandlerRequest> self) {
    boolean first;
    Delivery delivery;
    synchronized (this) {
      first = !this.delivered;
      this.delivered = true;
      if (servedBy == null) {
        if (cancelled) {
          delivery = Delivery.SKIP;
        } else {
          servedBy = self;
          request = delivered;
          delivery = Delivery.SERVE;
        }
      } else {
        delivery = cancelled ? Delivery.CANCEL : Delivery.SKIP;
      }
    }
    // Before handle() runs: a handler that then blocks its thread forever has still taken this one.
    if (first && taken != null) {
      taken.run();
    }
    return delivery;
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
