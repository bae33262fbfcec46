package dev.omg.handler;

import dev.omg.handlers.RequestControl;
import dev.omg.protocol.Status;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * The base of every handler: an actor that serves one command. Extend it, implement {@link #handle}, and name the
 * class in HOCON:
 *
 * <pre>
 * omg.handlers.greet { class = "com.example.GreetHandler" }
 * </pre>
 *
 * The class needs a public constructor {@code (ActorContext<HandlerRequest>, HandlerContext)}. Each request
 * arrives as a message, one at a time; answer it through the request ({@link HandlerRequest#reply},
 * {@link HandlerRequest#fail}), now or later. If {@code handle} throws, that request is answered HANDLER_ERROR and
 * the actor is restarted (a new instance, state lost); other requests are unaffected.
 */
public abstract class Handler extends AbstractBehavior<HandlerRequest> {
  private final HandlerContext handlerContext;

  protected Handler(ActorContext<HandlerRequest> context, HandlerContext handlerContext) {
    super(context);
    this.handlerContext = handlerContext;
  }

  /** Serves one request. Reply through {@code request}; throwing answers HANDLER_ERROR and restarts the actor. */
  protected abstract void handle(HandlerRequest request) throws Exception;

  /**
   * The client cancelled {@code request}, or its deadline passed, while this actor was serving it (it had
   * received the request and not answered). Called on the actor's thread like {@code handle}; stop the work and
   * release what it holds. The client has been answered CANCELLED or TIMEOUT already, so any reply is dropped.
   * A request cancelled before it reached this actor is never handed to {@code handle} at all. Default: nothing.
   */
  protected void onCancel(HandlerRequest request) throws Exception {}

  /** The command, options and engine this handler was created for. */
  protected final HandlerContext handlerContext() {
    return handlerContext;
  }

  @Override
  public final Receive<HandlerRequest> createReceive() {
    return newReceiveBuilder().onMessage(HandlerRequest.class, this::onRequest).build();
  }

  private Behavior<HandlerRequest> onRequest(HandlerRequest request) throws Exception {
    RequestControl.Delivery delivery = request.control().deliver(request, getContext().getSelf());
    if (delivery == RequestControl.Delivery.SKIP) {
      getContext().getLog().debug("request {} '{}' was cancelled before it was served", request.id(),
          request.command());
      return this;
    }
    try {
      if (delivery == RequestControl.Delivery.CANCEL) {
        onCancel(request);
      } else {
        handle(request);
      }
    } catch (Exception | LinkageError e) {
      request.fail(Status.HANDLER_ERROR, "'" + request.command() + "' failed: " + e);
      getContext().getLog().warn("request {} '{}' failed, restarting the handler: {}", request.id(),
          request.command(), e.toString());
      throw new HandlerFailedException(request, e);
    }
    return this;
  }

  /** Thrown to supervision after the failing request has been answered, so the restart is logged once. */
  public static final class HandlerFailedException extends RuntimeException {
    HandlerFailedException(HandlerRequest request, Throwable cause) {
      super("handler for '" + request.command() + "' failed on request " + request.id() + ": " + cause, cause);
    }
  }
}
