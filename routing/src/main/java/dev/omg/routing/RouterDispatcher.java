package dev.omg.routing;

import dev.omg.handler.HandlerReply;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.transport.DirectExecutor;
import dev.omg.transport.RequestDispatcher;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API. Sends each request to the router and turns whatever happens into exactly one response with the
 * request's id: the handler's reply, or TIMEOUT when none came by the deadline.
 */
public final class RouterDispatcher implements RequestDispatcher {
  private static final Logger log = LoggerFactory.getLogger(RouterDispatcher.class);

  private final ActorRef<Router.Command> router;
  private final Scheduler scheduler;
  private final Duration timeout;
  private final RoutingMetrics metrics;

  public RouterDispatcher(ActorRef<Router.Command> router, Scheduler scheduler, RoutingSettings settings,
      RoutingMetrics metrics) {
    this.router = router;
    this.scheduler = scheduler;
    this.timeout = settings.requestTimeout;
    this.metrics = metrics;
  }

  @Override
  public CompletionStage<Response> dispatch(Request request) {
    metrics.started();
    Instant deadline = Instant.now().plus(timeout);
    CompletionStage<HandlerReply> reply = AskPattern.ask(router,
        replyTo -> new Router.Route(request, deadline, replyTo), timeout, scheduler);
    return reply.handleAsync((answer, failure) -> {
      metrics.finished();
      if (failure == null) {
        return new Response(request.id(), answer.status(), answer.payload(), answer.error(),
            answer.retryAfterMillis());
      }
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      if (cause instanceof TimeoutException) {
        log.warn("request {} '{}' timed out: no reply within {} ms", request.id(), request.command(),
            timeout.toMillis());
        return Response.error(request.id(), Status.TIMEOUT,
            "'" + request.command() + "' did not reply within " + timeout.toMillis() + " ms");
      }
      log.error("request {} '{}' failed in routing", request.id(), request.command(), cause);
      return Response.error(request.id(), Status.HANDLER_ERROR, "routing failed: " + cause);
    }, DirectExecutor.INSTANCE);
  }
}
