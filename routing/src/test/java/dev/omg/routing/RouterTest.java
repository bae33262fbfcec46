package dev.omg.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.omg.transport.ClientWarnings;
import dev.omg.config.OmgConfig;
import dev.omg.handler.CommandStats;
import dev.omg.handler.EngineInfo;
import dev.omg.handler.EngineStats;
import dev.omg.handler.internal.HandlerDefinition;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.transport.Exchange;
import dev.omg.transport.PeerCredentials;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The router actor and the request router in front of it, with real handler actors. */
class RouterTest {
  private static final Config CONFIG = OmgConfig.parse("""
      omg.routing.request-timeout = 300ms
      omg.handlers {
        silent { class = "dev.omg.routing.TestHandlers$Silent" }
        fragile { class = "dev.omg.routing.TestHandlers$Fragile" }
        late { class = "dev.omg.routing.TestHandlers$Late", delay = 400ms }
        quick { class = "dev.omg.routing.TestHandlers$Silent", timeout = 100ms }
        pooled { class = "dev.omg.routing.TestHandlers$Fragile", instances = 3 }
        waiting { class = "dev.omg.routing.TestHandlers$Cancellable" }
        expiring { class = "dev.omg.routing.TestHandlers$Cancellable", timeout = 100ms }
        blocking {
          class = "dev.omg.routing.TestHandlers$ThreadName"
          dispatcher = "pekko.actor.default-blocking-io-dispatcher"
        }
      }
      """);
  private static ActorTestKit testKit;
  private static RoutingMetrics metrics;
  private static RequestRouter requests;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create();
    metrics = new RoutingMetrics();
    EngineInfo engine = new EngineInfo() {
      @Override
      public String version() {
        return "test";
      }

      @Override
      public Instant startedAt() {
        return Instant.now();
      }

      @Override
      public long pid() {
        return 1;
      }

      @Override
      public EngineStats stats() {
        return new EngineStats(0, metrics.served(), metrics.inFlight(), metrics.queued(),
            metrics.overloaded());
      }

      @Override
      public void requestShutdown(String reason) {}
    };
    List<HandlerDefinition> handlers = HandlerDefinition.all(CONFIG, RouterTest.class.getClassLoader());
    ActorRef<Router.Command> router = testKit.spawn(Router.create(handlers, engine), "router");
    requests = new RequestRouter(router, testKit.system().scheduler(), RoutingSettings.create(CONFIG), metrics,
        handlers, ClientWarnings.get(testKit.system()));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static Response dispatch(long id, String command, Object payload) throws Exception {
    return requests.serve(Exchange.detached(new Request(id, command, payload))).toCompletableFuture()
        .get(5, TimeUnit.SECONDS);
  }

  @Test
  void routesAKnownCommandToItsHandlerAndKeepsTheRequestId() throws Exception {
    assertEquals(Response.ok(11, "hi"), dispatch(11, "echo", "hi"));
  }

  @Test
  void answersUnknownCommandListingTheKnownOnes() throws Exception {
    assertEquals(Response.error(12, Status.UNKNOWN_COMMAND,
        "unknown command 'nope'; known commands: blocking, commands, echo, expiring, fragile, late, ping, pooled, quick, silent, status, stop, waiting"),
        dispatch(12, "nope", null));
  }

  @Test
  void answersUnknownCommandForARequestWithoutACommand() throws Exception {
    assertEquals(Status.UNKNOWN_COMMAND, dispatch(13, null, null).status());
  }

  @Test
  void answersTimeoutWhenTheHandlerNeverReplies() throws Exception {
    assertEquals(Response.error(14, Status.TIMEOUT, "'silent' did not reply within 300 ms"),
        dispatch(14, "silent", null));
  }

  @Test
  void answersHandlerErrorForAThrowingHandlerAndRestartsIt() throws Exception {
    assertEquals(Response.ok(15, 1), dispatch(15, "fragile", "a"));
    assertEquals(Response.ok(16, 2), dispatch(16, "fragile", "b"));
    assertEquals(Response.error(17, Status.HANDLER_ERROR, "'fragile' failed: java.lang.IllegalStateException: boom"),
        dispatch(17, "fragile", "boom"));
    // A fresh instance serves the next request: its count starts again.
    assertEquals(Response.ok(18, 1), dispatch(18, "fragile", "c"));
  }

  @Test
  void repliesAfterTheTimeoutAreDroppedNotCountedAgain() throws Exception {
    assertEquals(Status.TIMEOUT, dispatch(19, "late", null).status());
    // Both late replies have been sent once the handler records them; neither may count as another answer.
    testKit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(List.of("late 19", "later 19"), TestHandlers.lateReplies);
      return null;
    });
    CommandStats late = metrics.commands().stream().filter(c -> c.command().equals("late")).findFirst()
        .orElseThrow();
    assertEquals(List.of(1L, 1L, 0L), List.of(late.requests(), late.errors(), late.inFlight()));
  }

  @Test
  void countsEveryAnsweredRequestAndNoneInFlightAfterwards() throws Exception {
    long before = metrics.served();
    dispatch(21, "echo", 1);
    dispatch(22, "nope", 2);
    dispatch(23, "silent", 3);
    assertEquals(before + 3, metrics.served());
    assertEquals(0, metrics.inFlight());
  }

  @Test
  void aHandlersOwnTimeoutOverridesTheGlobalOne() throws Exception {
    assertEquals(Response.error(40, Status.TIMEOUT, "'quick' did not reply within 100 ms"),
        dispatch(40, "quick", null));
  }

  @Test
  void aPoolServesRequestsRoundRobinOverItsInstances() throws Exception {
    List<Object> served = new ArrayList<>();
    for (int id = 50; id < 54; id++) {
      served.add(dispatch(id, "pooled", null).payload());
    }
    // Three instances, each counting its own requests: the fourth request is the first instance's second.
    assertEquals(List.of(1, 1, 1, 2), served);
  }

  @Test
  void aHandlerRunsOnTheDispatcherItsBlockNames() throws Exception {
    String thread = (String) dispatch(60, "blocking", null).payload();
    assertTrue(thread.contains("default-blocking-io-dispatcher"), thread);
  }

  @Test
  void countsEachCommandsRequestsErrorsAndLatencies() throws Exception {
    dispatch(70, "fragile", "boom");
    dispatch(71, "fragile", "fine");
    CommandStats fragile = metrics.commands().stream().filter(c -> c.command().equals("fragile")).findFirst()
        .orElseThrow();
    assertTrue(fragile.requests() >= 2, fragile.toString());
    assertTrue(fragile.errors() >= 1, fragile.toString());
    assertEquals(0, fragile.inFlight());
    assertTrue(fragile.maxMicros() > 0 && fragile.p50Micros() <= fragile.p99Micros(), fragile.toString());
  }

  @Test
  void aCancelAnswersCancelledExactlyOnceAndTellsTheHandler() throws Exception {
    Exchange exchange = Exchange.detached(new Request(80, "waiting", null));
    CompletableFuture<Response> reply = requests.serve(exchange).toCompletableFuture();
    // Cancel once the handler serves the request; one cancelled before would never be served at all.
    testKit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertTrue(TestHandlers.cancelled.contains("serving waiting 80"));
      return null;
    });
    exchange.cancel();
    exchange.cancel();
    assertEquals(Response.error(80, Status.CANCELLED, "'waiting' was cancelled by the client"),
        reply.get(5, TimeUnit.SECONDS));
    testKit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(List.of("serving waiting 80", "waiting 80"), TestHandlers.cancelled.stream()
          .filter(c -> c.contains("waiting")).toList());
      return null;
    });
    CommandStats waiting = metrics.commands().stream().filter(c -> c.command().equals("waiting")).findFirst()
        .orElseThrow();
    assertEquals(List.of(1L, 1L, 0L, 0L), List.of(waiting.requests(), waiting.cancelled(), waiting.errors(),
        waiting.inFlight()));
  }

  @Test
  void aTimeoutTellsTheHandlerAsACancelDoes() throws Exception {
    assertEquals(Response.error(81, Status.TIMEOUT, "'expiring' did not reply within 100 ms"),
        dispatch(81, "expiring", null));
    testKit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(List.of("serving expiring 81", "expiring 81"), TestHandlers.cancelled.stream()
          .filter(c -> c.contains("expiring")).toList());
      return null;
    });
  }

  @Test
  void theHandlerSeesThePeerOfTheConnection() throws Exception {
    Exchange exchange = new Exchange(new Request(82, "waiting", "who"), new PeerCredentials(1234, 100, 77), false,
        null, null);
    assertEquals(Response.ok(82, "peer 1234"), requests.serve(exchange).toCompletableFuture()
        .get(5, TimeUnit.SECONDS));
  }
}
