package dev.omg.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Over a limit a request is answered OVERLOADED at once, with a hint, and nothing is queued. */
class OverloadTest {
  private final ActorTestKit testKit = ActorTestKit.create();
  private final RoutingMetrics metrics = new RoutingMetrics();

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  private RequestRouter router(String config) {
    Config parsed = OmgConfig.parse("omg.routing.request-timeout = 1s\nomg.routing.overload-retry-after = 70ms\n"
        + "omg.handlers.silent { class = \"dev.omg.routing.TestHandlers$Silent\" }\n" + config);
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
        return new EngineStats(0, metrics.served(), metrics.inFlight(), metrics.queued(),
            metrics.overloaded());
      }

      public void requestShutdown(String reason) {}
    };
    RoutingSettings settings = RoutingSettings.create(parsed);
    return new RequestRouter(testKit.spawn(Router.create(handlers, engine)), testKit.system().scheduler(),
        settings, metrics, handlers, ClientWarnings.get(testKit.system()));
  }

  private static CompletableFuture<Response> send(RequestRouter router, long id, String command) {
    return router.serve(Exchange.detached(new Request(id, command, "x"))).toCompletableFuture();
  }

  private static Response now(CompletableFuture<Response> reply) throws Exception {
    return reply.get(200, TimeUnit.MILLISECONDS);
  }

  @Test
  void aHandlerWithAFullQueueAnswersOverloadedAndOthersAreStillServed() throws Exception {
    RequestRouter router = router("omg.routing.max-queued-per-handler = 2");
    CompletableFuture<Response> first = send(router, 1, "silent");
    CompletableFuture<Response> second = send(router, 2, "silent");
    assertEquals(new Response(3, Status.OVERLOADED, null, "'silent' has 2 requests waiting, its limit; retry later",
        70), now(send(router, 3, "silent")));
    assertEquals(Response.ok(4, "x"), now(send(router, 4, "echo")));
    assertEquals(1, metrics.overloaded());
    // Once the queued ones are answered (here: timed out) the handler takes requests again.
    assertEquals(Status.TIMEOUT, first.get(5, TimeUnit.SECONDS).status());
    assertEquals(Status.TIMEOUT, second.get(5, TimeUnit.SECONDS).status());
    assertEquals(Status.TIMEOUT, send(router, 5, "silent").get(5, TimeUnit.SECONDS).status());
  }

  @Test
  void aHandlerBlockMaySetItsOwnQueueBound() throws Exception {
    RequestRouter router = router("omg.handlers.silent.max-queued = 1");
    send(router, 1, "silent");
    assertEquals(Status.OVERLOADED, now(send(router, 2, "silent")).status());
  }

  @Test
  void theEngineWideLimitAnswersOverloadedForEveryCommand() throws Exception {
    RequestRouter router = router("omg.routing.max-in-flight = 2");
    send(router, 1, "silent");
    send(router, 2, "silent");
    assertEquals(new Response(3, Status.OVERLOADED, null,
        "the engine has 2 requests in flight, its limit; retry later", 70), now(send(router, 3, "echo")));
    assertEquals(2, metrics.inFlight());
  }
}
