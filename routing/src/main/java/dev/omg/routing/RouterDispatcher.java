package dev.omg.routing;

import dev.omg.handler.HandlerReply;
import dev.omg.handlers.HandlerDefinition;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.transport.DirectExecutor;
import dev.omg.transport.RequestDispatcher;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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
  private final int maxInFlight;
  private final long retryAfterMillis;
  /** Requests queued at or served by each configured command's handler, with that handler's bound. */
  private final Map<String, Queue> queues;
  private final AtomicLong lastOverloadWarning = new AtomicLong();
  private final AtomicLong refusedSinceWarning = new AtomicLong();

  private record Queue(AtomicInteger size, int limit) {}

  /**
   * @param queueLimits each configured command with the most requests its handler may have queued
   */
  public RouterDispatcher(ActorRef<Router.Command> router, Scheduler scheduler, RoutingSettings settings,
      RoutingMetrics metrics, Map<String, Integer> queueLimits) {
    this.router = router;
    this.scheduler = scheduler;
    this.timeout = settings.requestTimeout;
    this.metrics = metrics;
    this.maxInFlight = settings.maxInFlight;
    this.retryAfterMillis = settings.overloadRetryAfter.toMillis();
    Map<String, Queue> queues = new HashMap<>();
    queueLimits.forEach((command, limit) -> queues.put(command, new Queue(new AtomicInteger(), limit)));
    this.queues = Map.copyOf(queues);
  }

  /** Each handler's queue bound: its own {@code max-queued}, else {@code omg.routing.max-queued-per-handler}. */
  public static Map<String, Integer> queueLimits(List<HandlerDefinition> handlers, RoutingSettings settings) {
    Map<String, Integer> limits = new HashMap<>();
    handlers.forEach(h -> limits.put(h.command(), h.maxQueued().orElse(settings.maxQueuedPerHandler)));
    return limits;
  }

  @Override
  public CompletionStage<Response> dispatch(Request request) {
    // Unknown commands have no queue: the router answers them at once.
    Queue queue = request.command() == null ? null : queues.get(request.command());
    if (queue != null && queue.size.incrementAndGet() > queue.limit) {
      queue.size.decrementAndGet();
      return refuse(request, "'" + request.command() + "' has " + queue.limit
          + " requests waiting, its limit; retry later");
    }
    if (!metrics.tryStart(maxInFlight)) {
      if (queue != null) {
        queue.size.decrementAndGet();
      }
      return refuse(request, "the engine has " + maxInFlight + " requests in flight, its limit; retry later");
    }
    Instant deadline = Instant.now().plus(timeout);
    CompletionStage<HandlerReply> reply = AskPattern.ask(router,
        replyTo -> new Router.Route(request, deadline, replyTo), timeout, scheduler);
    return reply.handleAsync((answer, failure) -> {
      if (queue != null) {
        queue.size.decrementAndGet();
      }
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

  /** OVERLOADED at once, nothing queued. Logged as one line a second at most, with the count, not per request. */
  private CompletionStage<Response> refuse(Request request, String reason) {
    metrics.refused();
    long refused = refusedSinceWarning.incrementAndGet();
    long now = System.nanoTime();
    long last = lastOverloadWarning.get();
    if (now - last >= 1_000_000_000L && lastOverloadWarning.compareAndSet(last, now)) {
      refusedSinceWarning.addAndGet(-refused);
      log.warn("overloaded: refused {} request(s) since the last warning; latest: request {}: {}", refused,
          request.id(), reason);
    }
    return CompletableFuture.completedFuture(
        new Response(request.id(), Status.OVERLOADED, null, reason, retryAfterMillis));
  }
}
