package dev.omg.handler;

import dev.omg.protocol.Status;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.slf4j.MDC;

/**
 * The base of every handler: an actor that serves one command. Extend it, implement {@link #handle}, and name the
 * class in HOCON:
 *
 * <pre>
 * omg.handlers.greet { class = "com.example.GreetHandler" }
 * </pre>
 *
 * The class needs a public constructor {@code (ActorContext<HandlerMessage>, HandlerContext)}; the engine calls
 * it when it starts, and again after each restart. Each request arrives as a message, one at a time; answer it
 * through the request ({@link HandlerRequest#reply}, {@link HandlerRequest#fail}), now or later. If
 * {@code handle} throws, that request is answered HANDLER_ERROR and the actor is restarted (a new instance, state
 * lost); other requests are unaffected.
 *
 * <p>Threads: {@code handle} and {@code onCancel} run on the actor's thread, from the dispatcher named by the
 * handler's {@code dispatcher} key (Pekko's default pool when unset), one call at a time, so fields need no
 * locking. Blocking in them holds up every other request of this command instance, and on a dispatcher shared
 * with the engine (the default, or {@code omg.transport.selector-dispatcher}) other work too: a handler that
 * blocks runs on {@code pekko.actor.default-blocking-io-dispatcher}, with {@code instances} for concurrency.
 *
 * <p>Every line logged on the actor's thread while it serves or cancels a request carries the request's id and
 * command in the SLF4J MDC ({@code requestId}, {@code command}), which the engine's log prints as
 * {@code [request 7 install]}.
 */
public abstract class Handler extends AbstractBehavior<HandlerMessage> {
  private final HandlerContext handlerContext;

  protected Handler(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
    super(context);
    this.handlerContext = handlerContext;
  }

  /** Serves one request. Reply through {@code request}; throwing answers HANDLER_ERROR and restarts the actor. */
  protected abstract void handle(HandlerRequest request) throws Exception;

  /**
   * The client cancelled {@code request}, or its deadline passed, while this actor was serving it (it had
   * received the request and not answered). Called on the actor's thread like {@code handle}, after
   * {@code handle} has returned; stop the work and release what it holds. The client has been answered
   * CANCELLED or TIMEOUT already, so any reply is dropped. A request cancelled before it reached this actor is
   * never handed to {@code handle} at all. Default: nothing.
   */
  protected void onCancel(HandlerRequest request) throws Exception {}

  /** The command, options and engine this handler was created for. */
  protected final HandlerContext handlerContext() {
    return handlerContext;
  }

  @Override
  public final Receive<HandlerMessage> createReceive() {
    return newReceiveBuilder()
        .onMessage(HandlerRequest.class, this::onRequest)
        .onMessage(RequestCancelled.class, this::onCancelled)
        .build();
  }

  private Behavior<HandlerMessage> onRequest(HandlerRequest request) throws Exception {
    if (!request.takeUp(getContext().getSelf())) {
      getContext().getLog().debug("request {} '{}' was cancelled before it was served", request.id(),
          request.command());
      return this;
    }
    try (var id = MDC.putCloseable("requestId", Long.toString(request.id()));
        var command = MDC.putCloseable("command", request.command())) {
      handle(request);
    } catch (Exception | LinkageError e) {
      throw failed(request, e);
    }
    return this;
  }

  private Behavior<HandlerMessage> onCancelled(RequestCancelled cancelled) throws Exception {
    HandlerRequest request = cancelled.request();
    try (var id = MDC.putCloseable("requestId", Long.toString(request.id()));
        var command = MDC.putCloseable("command", request.command())) {
      onCancel(request);
    } catch (Exception | LinkageError e) {
      throw failed(request, e);
    }
    return this;
  }

  /** Answers the request HANDLER_ERROR (dropped if it was answered already) before supervision restarts us. */
  private HandlerFailedException failed(HandlerRequest request, Throwable e) {
    request.fail(Status.HANDLER_ERROR, "'" + request.command() + "' failed: " + e);
    try (var id = MDC.putCloseable("requestId", Long.toString(request.id()));
        var command = MDC.putCloseable("command", request.command())) {
      getContext().getLog().warn("request {} '{}' failed, restarting the handler: {}", request.id(),
          request.command(), e.toString());
    }
    return new HandlerFailedException(request, e);
  }

  /** Thrown to supervision after the failing request has been answered, so the restart is logged once. */
  static final class HandlerFailedException extends RuntimeException {
    HandlerFailedException(HandlerRequest request, Throwable cause) {
      super("handler for '" + request.command() + "' failed on request " + request.id() + ": " + cause, cause);
    }
  }
}
