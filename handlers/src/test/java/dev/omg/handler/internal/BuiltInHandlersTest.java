package dev.omg.handler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.omg.config.OmgConfig;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerReply;
import dev.omg.handler.HandlerRequest;
import dev.omg.protocol.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The built-in handlers as real actors, created from reference.conf the way the engine creates them. */
class BuiltInHandlersTest {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private final TestEngine engine = new TestEngine();

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private HandlerReply ask(String command, Object payload) {
    HandlerDefinition definition = HandlerDefinition.all(OmgConfig.parse(""), getClass().getClassLoader()).stream()
        .filter(d -> d.command().equals(command)).findFirst().orElseThrow();
    ActorRef<HandlerMessage> handler = testKit.spawn(definition.behavior(engine));
    TestProbe<HandlerReply> probe = testKit.createTestProbe();
    handler.tell(new HandlerRequest(1, command, payload, Instant.now().plusSeconds(5), probe.getRef()));
    return probe.receiveMessage();
  }

  @Test
  void pingAnswersPongWithTheEngineVersion() {
    assertEquals(HandlerReply.ok("pong omg-engine/9.9.9"), ask("ping", null));
  }

  @Test
  void echoAnswersThePayloadItWasSent() {
    assertEquals(HandlerReply.ok(List.of("hello", "world")), ask("echo", List.of("hello", "world")));
  }

  @Test
  void statusReportsVersionPidUptimeAndCounters() {
    HandlerReply reply = ask("status", null);
    assertEquals(Status.OK, reply.status());
    Map<?, ?> status = (Map<?, ?>) reply.payload();
    assertEquals(List.of("version", "pid", "uptime-ms", "connections", "requests-served", "in-flight", "queued",
        "overloaded", "heap-used-bytes", "heap-max-bytes", "commands"), List.copyOf(status.keySet()));
    assertEquals("9.9.9", status.get("version"));
    assertEquals(4242L, status.get("pid"));
    assertEquals(true, (Long) status.get("uptime-ms") >= 90_000);
    assertEquals(2L, status.get("connections"));
    assertEquals(17L, status.get("requests-served"));
    assertEquals(1L, status.get("in-flight"));
    assertEquals(5L, status.get("queued"));
    assertEquals(3L, status.get("overloaded"));
    assertEquals(Runtime.getRuntime().maxMemory(), status.get("heap-max-bytes"));
    assertEquals(List.of(Map.of("command", "echo", "requests", 10L, "errors", 2L, "cancelled", 1L, "in-flight", 1L,
        "queued", 4L, "p50-us", 150L, "p90-us", 900L, "p99-us", 2500L, "max-us", 4000L)), status.get("commands"));
  }

  @Test
  void commandsListsEachCommandWithItsHandlerClassAndPayloadTypes() {
    assertEquals(HandlerReply.ok(List.of(Map.of("command", "echo", "class", "dev.omg.handler.internal.builtin.EchoHandler",
        "instances", 2, "dispatcher", "", "timeout-ms", 5000L, "max-queued", 64, "payload-types", List.of("list")))),
        ask("commands", null));
  }

  @Test
  void stopAnswersThenAsksTheEngineToShutDown() {
    assertEquals(HandlerReply.ok("stopping"), ask("stop", null));
    // The handler asks for the shutdown right after replying, on its own thread: the probe may see the reply first.
    testKit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(List.of("stop requested (request 1)"), engine.shutdownRequests);
      return null;
    });
  }
}
