package dev.omg.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import dev.omg.config.OmgConfig;
import dev.omg.handler.EngineInfo;
import dev.omg.handler.EngineStats;
import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerReply;
import dev.omg.handler.HandlerRequest;
import dev.omg.handler.Peer;
import dev.omg.handler.internal.HandlerDefinition;
import dev.omg.handler.internal.HandlerRequests;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.transport.Exchange;
import dev.omg.routing.cluster.ClusterRouting;
import dev.omg.routing.cluster.ClusterSettings;
import dev.omg.routing.cluster.RegistrationFingerprint;
import dev.omg.routing.cluster.WorkerNode;
import dev.omg.transport.SerializationSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Clustered commands across real actor systems in one JVM, each its own cluster node on 127.0.0.1 on a free port:
 * an engine node with the router, and worker nodes with their handlers, joined through Artery and the
 * receptionist, messages through the cluster serializer.
 */
class ClusterRoutingTest {
  private static final String HANDLERS = """
      omg.handlers {
        remote-echo { class = "dev.omg.handler.internal.builtin.EchoHandler", cluster-role = "tester", instances = 2 }
        remote-wait { class = "dev.omg.routing.TestHandlers$Cancellable", cluster-role = "tester" }
        remote-progress { class = "dev.omg.routing.ClusterRoutingTest$Progressing", cluster-role = "tester" }
        remote-bounded { class = "dev.omg.routing.TestHandlers$Cancellable", cluster-role = "tester", max-queued = 2 }
        remote-where { class = "dev.omg.routing.ClusterRoutingTest$Where", cluster-role = "spread" }
        remote-doomed { class = "dev.omg.routing.TestHandlers$Cancellable", cluster-role = "doomed" }
        remote-picky { class = "dev.omg.handler.internal.builtin.EchoHandler", cluster-role = "picky" }
        nobody { class = "com.example.NotOnAnyClasspath", cluster-role = "absent" }
      }
      omg.cluster.port = 0
      """;
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final AtomicLong ids = new AtomicLong(1000);
  private static ActorTestKit engine;
  private static ActorTestKit tester;
  private static Address engineAddress;
  private static ActorRef<Router.Command> router;
  private static RequestRouter requests;
  private static final WorkerCounts workers = new WorkerCounts();

  /** Reports two progress events, then answers "done". */
  public static final class Progressing extends Handler {
    public Progressing(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
      super(context, handlerContext);
    }

    @Override
    protected void handle(HandlerRequest request) {
      request.progress(Map.of("done", 1, "total", 2));
      request.progress(Map.of("done", 2, "total", 2));
      request.reply("done");
    }
  }

  /** Answers with the address of the node it runs on; "who" as any test handler here. */
  public static final class Where extends Handler {
    public Where(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
      super(context, handlerContext);
    }

    @Override
    protected void handle(HandlerRequest request) {
      request.reply(Cluster.get(getContext().getSystem()).selfMember().address().toString());
    }
  }

  @BeforeAll
  static void start() {
    Config config = OmgConfig.parse(HANDLERS);
    ClusterSettings settings = ClusterSettings.create(config);
    engine = ActorTestKit.create(ClusterSettings.SYSTEM_NAME, settings.nodeConfig(config, false, List.of()));
    engineAddress = ClusterRouting.joinCluster(engine.system(), settings);
    List<HandlerDefinition> definitions = HandlerDefinition.all(config, loader());
    router = engine.spawn(Router.create(definitions, info(), workers), "router");
    requests = new RequestRouter(router, engine.system().scheduler(), RoutingSettings.create(config),
        new RoutingMetrics(), definitions);
    tester = worker("tester", "");
    awaitServed("remote-echo");
  }

  @AfterAll
  static void stop() {
    tester.shutdownTestKit();
    engine.shutdownTestKit();
  }

  @Test
  void aRequestIsServedByAWorkerNode() {
    assertEquals(HandlerReply.ok("hello"), send("remote-echo", "hello", null).reply().receiveMessage(WAIT));
  }

  @Test
  void progressEventsAndTheReplyCrossInOrder() {
    List<Object> events = new CopyOnWriteArrayList<>();
    Sent sent = send("remote-progress", null, event -> events.add(event));
    assertEquals(HandlerReply.ok("done"), sent.reply().receiveMessage(WAIT));
    assertEquals(List.of(Map.of("done", 1, "total", 2), Map.of("done", 2, "total", 2)), events);
  }

  @Test
  void aCancelReachesTheRemoteHandlersOnCancel() {
    Sent sent = send("remote-wait", null, null);
    engine.createTestProbe().awaitAssert(WAIT, () -> {
      assertTrue(TestHandlers.cancelled.contains("serving remote-wait " + sent.request().id()));
      return null;
    });
    HandlerRequests.cancel(sent.request());
    engine.createTestProbe().awaitAssert(WAIT, () -> {
      assertTrue(TestHandlers.cancelled.contains("remote-wait " + sent.request().id()));
      return null;
    });
    // The handler's "too late" from onCancel is dropped on the way: the request was answered by its cancel.
    sent.reply().expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void requestsGoRoundRobinOverTheWorkersOfTheRole() {
    ActorTestKit first = worker("spread", "");
    ActorTestKit second = worker("spread", "");
    try {
      Set<Object> nodes = Set.of(Cluster.get(first.system()).selfMember().address().toString(),
          Cluster.get(second.system()).selfMember().address().toString());
      engine.createTestProbe().awaitAssert(WAIT, Duration.ofMillis(200), () -> {
        assertEquals(nodes, Set.of(where(), where()));
        return null;
      });
      List<Object> served = List.of(where(), where(), where(), where());
      assertEquals(List.of(served.get(0), served.get(1), served.get(0), served.get(1)), served);
      assertEquals(2, workers.byRole().get("spread"));
    } finally {
      first.shutdownTestKit();
      second.shutdownTestKit();
    }
  }

  @Test
  void theLocalQueueBoundStillAnswersOverloadedForAClusteredCommand() throws Exception {
    Exchange first = Exchange.detached(new Request(ids.incrementAndGet(), "remote-bounded", null));
    Exchange second = Exchange.detached(new Request(ids.incrementAndGet(), "remote-bounded", null));
    CompletableFuture<Response> firstReply = requests.serve(first).toCompletableFuture();
    CompletableFuture<Response> secondReply = requests.serve(second).toCompletableFuture();
    long third = ids.incrementAndGet();
    assertEquals(new Response(third, Status.OVERLOADED, null, "'remote-bounded' has 2 requests waiting, its"
            + " limit; retry later", 50),
        requests.serve(Exchange.detached(new Request(third, "remote-bounded", null))).toCompletableFuture()
            .get(1, TimeUnit.SECONDS));
    first.cancel();
    second.cancel();
    assertEquals(List.of(Status.CANCELLED, Status.CANCELLED), List.of(firstReply.get(5, TimeUnit.SECONDS).status(),
        secondReply.get(5, TimeUnit.SECONDS).status()));
  }

  @Test
  void statusCountsTheReadyWorkersOfEachRole() {
    // The tester worker serves remote-echo and the others; nothing serves the absent role.
    assertEquals(1, workers.byRole().get("tester"));
    assertEquals(0, workers.byRole().get("absent"));
  }

  @Test
  void withNoWorkerForTheRoleTheAnswerIsUnavailableAtOnce() {
    assertEquals(new HandlerReply(Status.UNAVAILABLE, null, "no worker node with role absent is up to serve"
            + " 'nobody'; start one with: serve --worker --role absent", 1000),
        send("nobody", null, null).reply().receiveMessage(Duration.ofSeconds(1)));
  }

  @Test
  void aWorkerWithAnotherPayloadRegistrationIsRefusedWithAClearStatus() {
    ActorTestKit picky = worker("picky", "omg.serialization.register { 100 = \"java.util.UUID\" }");
    try {
      String theirs = RegistrationFingerprint.of(Map.of(100, java.util.UUID.class));
      String ours = RegistrationFingerprint.of(Map.of());
      Address pickyAddress = Cluster.get(picky.system()).selfMember().address();
      engine.createTestProbe().awaitAssert(WAIT, () -> {
        assertEquals(new HandlerReply(Status.UNAVAILABLE, null, "no worker can serve 'remote-picky' (role picky):"
                + " refused for a different payload registration (" + pickyAddress + " has fingerprint " + theirs
                + "; the engine's is " + ours + "); give every node the same omg.serialization.register", 1000),
            send("remote-picky", "hi", null).reply().receiveMessage(WAIT));
        return null;
      });
    } finally {
      picky.shutdownTestKit();
    }
  }

  @Test
  void aWorkerThatLeavesWithARequestInFlightHasItAnsweredUnavailable() {
    ActorTestKit doomed = worker("doomed", "");
    awaitServed("remote-doomed");
    Sent sent = send("remote-doomed", null, null);
    engine.createTestProbe().awaitAssert(WAIT, () -> {
      assertTrue(TestHandlers.cancelled.contains("serving remote-doomed " + sent.request().id()));
      return null;
    });
    long stopped = System.nanoTime();
    doomed.shutdownTestKit();
    HandlerReply reply = sent.reply().receiveMessage(WAIT);
    assertEquals(Status.UNAVAILABLE, reply.status());
    assertTrue(reply.error().matches("the worker pekko://omg-engine@127\\.0\\.0\\.1:\\d+ serving 'remote-doomed'"
        + " (left the receptionist's listing \\(its node left, or became unreachable\\)|stopped|became"
        + " unreachable) with this request in flight; it may or may not have run, and is not resent"),
        reply.error());
    assertTrue(System.nanoTime() - stopped < WAIT.toNanos());
    // Nothing is resent, and the next request finds no worker.
    assertEquals(Status.UNAVAILABLE, send("remote-doomed", "who", null).reply().receiveMessage(WAIT).status());
  }

  private record Sent(HandlerRequest request, TestProbe<HandlerReply> reply) {}

  private static Object where() {
    HandlerReply reply = send("remote-where", null, null).reply().receiveMessage(Duration.ofSeconds(2));
    assertEquals(Status.OK, reply.status(), reply.toString());
    return reply.payload();
  }

  private static Sent send(String command, Object payload, Predicate<Object> progress) {
    TestProbe<HandlerReply> reply = engine.createTestProbe();
    HandlerRequest request = HandlerRequests.create(ids.incrementAndGet(), command, payload,
        Instant.now().plus(WAIT), Peer.UNKNOWN, reply.ref(), progress, null);
    router.tell(new Router.Route(request));
    return new Sent(request, reply);
  }

  /** Waits until a worker serves {@code command}: "who" is a question every test handler here answers. */
  private static void awaitServed(String command) {
    engine.createTestProbe().awaitAssert(WAIT, Duration.ofMillis(200), () -> {
      assertEquals(Status.OK, send(command, "who", null).reply().receiveMessage(Duration.ofSeconds(2)).status());
      return null;
    });
  }

  /** A worker node with {@code role}, joined to the engine's cluster; {@code extra} is laid over its config. */
  private static ActorTestKit worker(String role, String extra) {
    Config config = OmgConfig.parse(extra + "\n" + HANDLERS + "\nomg.cluster.seed-nodes = [\"" + engineAddress
        + "\"]");
    ActorTestKit worker = ActorTestKit.create(ClusterSettings.SYSTEM_NAME,
        ClusterSettings.create(config).nodeConfig(config, true, List.of(role)));
    worker.spawn(WorkerNode.create(WorkerNode.commandsFor(config, List.of(role), loader()), info(),
        RegistrationFingerprint.of(SerializationSettings.create(config, loader()).userTypes)), "worker");
    return worker;
  }

  private static ClassLoader loader() {
    return ClusterRoutingTest.class.getClassLoader();
  }

  private static EngineInfo info() {
    return new EngineInfo() {
      @Override
      public String version() {
        return "test";
      }

      @Override
      public Instant startedAt() {
        return Instant.EPOCH;
      }

      @Override
      public long pid() {
        return ProcessHandle.current().pid();
      }

      @Override
      public EngineStats stats() {
        return new EngineStats(0, 0, 0, 0, 0, List.of());
      }

      @Override
      public void requestShutdown(String reason) {}
    };
  }
}
