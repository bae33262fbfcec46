package dev.omg.handler;

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

  /** The command, options and engine this handler was created for. */
  protected final HandlerContext handlerContext() {
    return handlerContext;
  }

  @Override
  public final Receive<HandlerRequest> createReceive() {
    return newReceiveBuilder().onMessage(HandlerRequest.class, this::onRequest).build();
  }

  private Behavior<HandlerRequest> onRequest(HandlerRequest request) throws Exception {
    try {
      handle(request);
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
