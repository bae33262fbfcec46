package dev.omg.routing;

import dev.omg.handler.HandlerReply;
import dev.omg.handler.HandlerRequest;
import dev.omg.handler.Peer;
import dev.omg.handler.internal.HandlerDefinition;
import dev.omg.handler.internal.HandlerRequests;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.transport.ClientWarnings;
import dev.omg.transport.DirectExecutor;
import dev.omg.transport.Exchange;
import dev.omg.transport.PeerCredentials;
import dev.omg.transport.RequestService;
import dev.omg.transport.WarningLimiter;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * INTERNAL API. The engine's {@link RequestService}: admits each request within the bounds (answering OVERLOADED
 * beyond them), sends it to the {@link Router} actor, and turns whatever happens into exactly one response with the
 * request's id: the handler's reply, TIMEOUT when none came by the deadline (the handler's own timeout, else
 * the global one), or CANCELLED when the client cancelled first. Whichever comes first wins; the handler is told
 * of a cancel or a timeout through its request. Counts every request per command for {@code status}.
 *
 * <p>A request to a configured command holds one of its handler's {@code max-queued} slots until it has been
 * answered and the handler actor has taken it off its mailbox, whichever comes later: a handler that blocks its
 * thread keeps timed-out requests in its mailbox, and freeing their slots at the timeout would let the mailbox
 * grow by {@code max-queued} every timeout period.
 */
public final class RequestRouter implements RequestService {
  private static final Logger log = LoggerFactory.getLogger(RequestRouter.class);

  private final ActorRef<Router.Command> router;
  private final Scheduler scheduler;
  private final Duration timeout;
  private final Map<String, Duration> timeouts;
  private final RoutingMetrics metrics;
  private final int maxInFlight;
  private final long retryAfterMillis;
  /** Requests each configured command's handler holds (unanswered, or still in its mailbox), with its bound. */
  private final Map<String, Queue> queues;
  /** OVERLOADED answers, logged within the rate limit of omg.transport.client-warnings. */
  private final WarningLimiter overloadWarnings;

  private record Queue(AtomicInteger size, int limit) {}

  /**
   * @param router the router actor, which owns the handler actors
   * @param handlers the configured commands: each one's {@code max-queued} and {@code timeout}, where set, bound
   *     its requests; the others use {@code omg.routing.max-queued-per-handler} and {@code request-timeout}
   * @param warnings the engine's limiters of the warnings a client can cause
   */
  public RequestRouter(ActorRef<Router.Command> router, Scheduler scheduler, RoutingSettings settings,
      RoutingMetrics metrics, List<HandlerDefinition> handlers, ClientWarnings warnings) {
    this.router = router;
    this.overloadWarnings = warnings.limiter(ClientWarnings.OVERLOAD, log);
    this.scheduler = scheduler;
    this.timeout = settings.requestTimeout;
    this.metrics = metrics;
    this.maxInFlight = settings.maxInFlight;
    this.retryAfterMillis = settings.overloadRetryAfter.toMillis();
    Map<String, Queue> queues = new HashMap<>();
    Map<String, Duration> timeouts = new HashMap<>();
    for (HandlerDefinition handler : handlers) {
      queues.put(handler.command(),
          new Queue(new AtomicInteger(), handler.maxQueued().orElse(settings.maxQueuedPerHandler)));
      handler.timeout().ifPresent(t -> timeouts.put(handler.command(), t));
    }
    this.queues = Map.copyOf(queues);
    this.timeouts = Map.copyOf(timeouts);
  }

  @Override
  public CompletionStage<Response> serve(Exchange exchange) {
    Request request = exchange.request();
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
    long start = System.nanoTime();
    Duration timeout = request.command() == null ? this.timeout
        : timeouts.getOrDefault(request.command(), this.timeout);
    Instant deadline = Instant.now().plus(timeout);
    CommandMetrics command = queue == null ? null : metrics.command(request.command());
    // Two events free the handler's slot, the answer and the handler taking the request; unknown commands
    // never reach a handler, so only their answer counts.
    AtomicInteger holds = new AtomicInteger(queue == null ? 1 : 2);
    Runnable release = () -> {
      if (holds.decrementAndGet() == 0 && queue != null) {
        queue.size.decrementAndGet();
      }
    };
    Runnable taken = null;
    if (command != null) {
      command.started();
      command.enqueued();
      metrics.enqueued();
      taken = () -> {
        metrics.taken();
        command.taken();
        release.run();
      };
    }
    PeerCredentials credentials = exchange.peer();
    Peer peer = credentials == null ? Peer.UNKNOWN
        : new Peer(credentials.uid(), credentials.gid(), credentials.pid());
    CompletableFuture<Response> result = new CompletableFuture<>();
    AtomicBoolean answered = new AtomicBoolean();
    // The first of reply, timeout and cancel wins; the counters change before the connection sees the answer.
    Predicate<Response> answer = response -> {
      if (!answered.compareAndSet(false, true)) {
        return false;
      }
      release.run();
      metrics.finished();
      if (command != null) {
        command.finished(response.status(), System.nanoTime() - start);
      }
      result.complete(response);
      return true;
    };
    // The ask makes the request at once, on this thread; a cancel that came before is seen below, after it.
    Predicate<Object> progress = exchange.streamed() ? exchange::progress : null;
    Runnable onTaken = taken;
    HandlerRequest[] routed = new HandlerRequest[1];
    CompletionStage<HandlerReply> handlerReply = AskPattern.ask(router, replyTo -> {
      routed[0] = HandlerRequests.create(request.id(), request.command(), request.payload(), deadline, peer, replyTo,
          progress, onTaken);
      return new Router.Route(routed[0]);
    }, timeout, scheduler);
    HandlerRequest handlerRequest = routed[0];
    exchange.whenCancelled().thenRun(() -> {
      if (answer.test(Response.error(request.id(), Status.CANCELLED,
          "'" + request.command() + "' was cancelled by the client"))) {
        logWithMdc(request, () -> log.info("request {} '{}' cancelled by the client", request.id(),
            request.command()));
        cancel(handlerRequest);
      }
    });
    // Async on the direct executor: the ask's stage is a Scala future's, whose plain whenComplete would hop to
    // the common pool, a thread switch on every request.
    handlerReply.whenCompleteAsync((reply, failure) -> {
      if (failure == null) {
        answer.test(new Response(request.id(), reply.status(), reply.payload(), reply.error(),
            reply.retryAfterMillis()));
        return;
      }
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null
          ? failure.getCause() : failure;
      if (cause instanceof TimeoutException) {
        if (answer.test(Response.error(request.id(), Status.TIMEOUT,
            "'" + request.command() + "' did not reply within " + timeout.toMillis() + " ms"))) {
          logWithMdc(request, () -> log.warn("request {} '{}' timed out: no reply within {} ms", request.id(),
              request.command(), timeout.toMillis()));
          cancel(handlerRequest);
        }
        return;
      }
      if (answer.test(Response.error(request.id(), Status.HANDLER_ERROR, "routing failed: " + cause))) {
        logWithMdc(request, () -> log.error("request {} '{}' failed in routing", request.id(), request.command(),
            cause));
      }
    }, DirectExecutor.INSTANCE);
    return result;
  }

  /** Tells the handler; null when the router had stopped, so the ask never made the request. */
  private static void cancel(HandlerRequest request) {
    if (request != null) {
      HandlerRequests.cancel(request);
    }
  }

  /** Logs about one request carry its id and command in the MDC, as the handler's own lines do. */
  private static void logWithMdc(Request request, Runnable logging) {
    try (var id = MDC.putCloseable("requestId", Long.toString(request.id()));
        var command = MDC.putCloseable("command", String.valueOf(request.command()))) {
      logging.run();
    }
  }

  /** OVERLOADED at once, nothing queued; logged within the rate limit, the rest counted in its periodic line. */
  private CompletionStage<Response> refuse(Request request, String reason) {
    metrics.refused();
    if (overloadWarnings.allow()) {
      logWithMdc(request, () -> log.warn("overloaded: refused request {}: {}", request.id(), reason));
    }
    return CompletableFuture.completedFuture(
        new Response(request.id(), Status.OVERLOADED, null, reason, retryAfterMillis));
  }
}
