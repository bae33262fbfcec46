package dev.omg.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.omg.transport.ClientWarnings;
import dev.omg.config.OmgConfig;
import dev.omg.handler.EngineInfo;
import dev.omg.handler.EngineStats;
import dev.omg.handler.internal.HandlerDefinition;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.transport.Exchange;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A handler that blocks its thread: requests that time out in its mailbox keep their {@code max-queued} slots until
 * the handler takes them, so its mailbox never holds more than that bound.
 */
class BlockedHandlerTest {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private final ActorTestKit testKit = ActorTestKit.create();
  private final RoutingMetrics metrics = new RoutingMetrics();
  private RequestRouter router;

  @BeforeEach
  void start() {
    TestHandlers.gate = new CountDownLatch(1);
    Config parsed = OmgConfig.parse("""
        omg.routing.request-timeout = 300ms
        omg.routing.overload-retry-after = 70ms
        omg.handlers.blocking {
          class = "dev.omg.routing.TestHandlers$Blocking"
          dispatcher = "pekko.actor.default-blocking-io-dispatcher"
          max-queued = 2
        }
        omg.handlers.pool {
          class = "dev.omg.routing.TestHandlers$Blocking"
          dispatcher = "pekko.actor.default-blocking-io-dispatcher"
          instances = 2
          max-queued = 3
        }
        """);
    List<HandlerDefinition> handlers = HandlerDefinition.all(parsed, getClass().getClassLoader());
    EngineInfo engine = new EngineInfo() {
      public String version() {
        return "test";
      }

      public Instant startedAt() {
        return Instant.now();
      }

      public long pid() {
        return 1;
      }

      public EngineStats stats() {
        return new EngineStats(0, metrics.served(), metrics.inFlight(), metrics.queued(), metrics.overloaded());
      }

      public void requestShutdown(String reason) {}
    };
    RoutingSettings settings = RoutingSettings.create(parsed);
    router = new RequestRouter(testKit.spawn(Router.create(handlers, engine)), testKit.system().scheduler(),
        settings, metrics, handlers, ClientWarnings.get(testKit.system()));
    // Started actors take a request in milliseconds; a cold one may miss the short timeout and skip it.
    warmUp("blocking", 1);
    warmUp("pool", 2);
  }

  /** Until {@code times} requests in a row were served, so each instance of {@code command} runs. */
  private void warmUp(String command, int times) {
    testKit.createTestProbe().awaitAssert(WAIT, () -> {
      for (int i = 0; i < times; i++) {
        assertEquals(Status.OK, await(send(-1, command, "pass")).status(), "warming up " + command);
      }
      return null;
    });
  }

  @AfterEach
  void stop() {
    TestHandlers.gate.countDown();
    testKit.shutdownTestKit();
  }

  private CompletableFuture<Response> send(long id, String command, Object payload) {
    return router.serve(Exchange.detached(new Request(id, command, payload))).toCompletableFuture();
  }

  private static Response await(CompletableFuture<Response> reply) {
    try {
      return reply.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("no reply within " + WAIT.toSeconds() + " s", e);
    }
  }

  private void awaitQueued(long expected) {
    testKit.createTestProbe().awaitAssert(WAIT, () -> {
      assertEquals(expected, metrics.queued(), "requests in handler mailboxes");
      return null;
    });
  }

  private static Response overloaded(long id, String command, int limit) {
    return new Response(id, Status.OVERLOADED, null,
        "'" + command + "' has " + limit + " requests waiting, its limit; retry later", 70);
  }

  @Test
  void aRequestThatTimedOutInTheMailboxOfABlockedHandlerKeepsItsSlot() throws Exception {
    CompletableFuture<Response> served = send(1, "blocking", "x");
    CompletableFuture<Response> waiting = send(2, "blocking", "x");
    assertEquals(Status.TIMEOUT, await(served).status());
    assertEquals(Status.TIMEOUT, await(waiting).status());
    // The first is off the mailbox (its thread is stuck in handle), so its slot is free; the second's is not.
    awaitQueued(1);
    CompletableFuture<Response> third = send(3, "blocking", "x");
    assertEquals(overloaded(4, "blocking", 2), await(send(4, "blocking", "x")));
    assertEquals(Status.TIMEOUT, await(third).status());
    assertEquals(overloaded(5, "blocking", 2), await(send(5, "blocking", "x")));
    assertEquals(2, metrics.queued());
    assertEquals(0, metrics.inFlight());
  }

  @Test
  void waveAfterWaveTheMailboxOfABlockedHandlerNeverHoldsMoreThanItsBound() throws Exception {
    Map<Status, Integer> statuses = new EnumMap<>(Status.class);
    long id = 0;
    for (int wave = 0; wave < 10; wave++) {
      List<CompletableFuture<Response>> replies = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        replies.add(send(++id, "blocking", "x"));
      }
      long echo = ++id;
      assertEquals(Response.ok(echo, "x"), await(send(echo, "echo", "x")), "echo is served in wave " + wave);
      for (CompletableFuture<Response> reply : replies) {
        statuses.merge(await(reply).status(), 1, Integer::sum);
      }
      assertTrue(metrics.queued() <= 2, "wave " + wave + " left " + metrics.queued() + " requests queued");
    }
    // Wave 1 admits two (one is served and stuck, one waits), wave 2 the slot the stuck one freed; then none.
    assertEquals(Map.of(Status.TIMEOUT, 3, Status.OVERLOADED, 47), statuses);
    assertEquals(2, metrics.queued());
    assertEquals(0, metrics.inFlight());
  }

  @Test
  void aRestartedHandlerTakesTheRequestsLeftInItsMailboxAndFreesTheirSlots() throws Exception {
    CompletableFuture<Response> failing = send(1, "blocking", "boom");
    CompletableFuture<Response> waiting = send(2, "blocking", "x");
    assertEquals(Status.TIMEOUT, await(failing).status());
    assertEquals(Status.TIMEOUT, await(waiting).status());
    awaitQueued(1);
    // The first request now throws; the new instance finds the second, timed out, in the kept mailbox and skips it.
    TestHandlers.gate.countDown();
    awaitQueued(0);
    assertEquals(Response.ok(3, "unblocked"), await(send(3, "blocking", "x")));
    assertEquals(Response.ok(4, "unblocked"), await(send(4, "blocking", "x")));
  }

  @Test
  void inAPoolTheMailboxesOfAllInstancesCountAgainstTheCommandsBound() throws Exception {
    // Round robin: 1 and 2 block one instance each, 3 waits behind 1.
    List<CompletableFuture<Response>> first = List.of(send(1, "pool", "x"), send(2, "pool", "x"),
        send(3, "pool", "x"));
    assertEquals(overloaded(4, "pool", 3), await(send(4, "pool", "x")));
    for (CompletableFuture<Response> reply : first) {
      assertEquals(Status.TIMEOUT, await(reply).status());
    }
    awaitQueued(1);
    List<CompletableFuture<Response>> second = List.of(send(5, "pool", "x"), send(6, "pool", "x"));
    assertEquals(overloaded(7, "pool", 3), await(send(7, "pool", "x")));
    for (CompletableFuture<Response> reply : second) {
      assertEquals(Status.TIMEOUT, await(reply).status());
    }
    assertEquals(3, metrics.queued());
    assertEquals(overloaded(8, "pool", 3), await(send(8, "pool", "x")));
    TestHandlers.gate.countDown();
    awaitQueued(0);
    assertEquals(Response.ok(9, "unblocked"), await(send(9, "pool", "x")));
  }
}
