package dev.omg.handler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.omg.config.OmgConfig;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerReply;
import dev.omg.handler.HandlerRequest;
import dev.omg.handler.Peer;
import dev.omg.protocol.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The diagnostic probe command, created from config the way the engine creates it. */
class ProbeHandlerTest {
  private static final ActorTestKit testKit = ActorTestKit.create();
  private final List<Object> progress = new CopyOnWriteArrayList<>();

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static Map<String, Object> payload(Object... keysAndValues) {
    Map<String, Object> map = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      map.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return map;
  }

  private ActorRef<HandlerMessage> probeHandler(String config) {
    HandlerDefinition definition = HandlerDefinition.all(OmgConfig.parse(config), getClass().getClassLoader())
        .stream().filter(d -> d.command().equals("probe")).findFirst().orElseThrow();
    return testKit.spawn(definition.behavior(new TestEngine()));
  }

  private ActorRef<HandlerMessage> enabled() {
    return probeHandler("omg.handlers.probe { class = \"dev.omg.handler.internal.builtin.ProbeHandler\" }");
  }

  private HandlerRequest send(ActorRef<HandlerMessage> handler, Object payload, TestProbe<HandlerReply> replies) {
    HandlerRequest request = HandlerRequests.create(1, "probe", payload, Instant.now().plusSeconds(5),
        new Peer(1, 1, 1), replies.getRef(), progress::add, null);
    handler.tell(request);
    return request;
  }

  @Test
  void isNotDeclaredByDefault() {
    assertFalse(HandlerDefinition.all(OmgConfig.parse(""), getClass().getClassLoader()).stream()
        .anyMatch(d -> d.command().equals("probe")));
  }

  @Test
  void reportsEachStepThenAnswersWithTheEcho() {
    TestProbe<HandlerReply> replies = testKit.createTestProbe();
    send(enabled(), payload("steps", 3, "interval-ms", 10L, "echo", "done"), replies);
    assertEquals(HandlerReply.ok("done"), replies.receiveMessage(Duration.ofSeconds(5)));
    assertEquals(List.of(payload("done", 1, "total", 3), payload("done", 2, "total", 3),
        payload("done", 3, "total", 3)), progress);
  }

  @Test
  void answersANullPayloadAtOnce() {
    TestProbe<HandlerReply> replies = testKit.createTestProbe();
    send(enabled(), null, replies);
    assertEquals(HandlerReply.ok(null), replies.receiveMessage(Duration.ofSeconds(5)));
  }

  @Test
  void neverAnswersOnceCancelled() {
    TestProbe<HandlerReply> replies = testKit.createTestProbe();
    // Uncancelled, this probe would answer 800 ms after it started; it is cancelled after its first event.
    HandlerRequest request = send(enabled(), payload("steps", 3, "interval-ms", 200), replies);
    replies.awaitAssert(Duration.ofSeconds(5), Duration.ofMillis(10), () -> {
      assertEquals(List.of(payload("done", 1, "total", 3)), progress.subList(0, Math.min(1, progress.size())));
      return null;
    });
    HandlerRequests.cancel(request);
    replies.expectNoMessage(Duration.ofMillis(1200));
  }

  @Test
  void rejectsAnUnknownKeyAsABadRequest() {
    TestProbe<HandlerReply> replies = testKit.createTestProbe();
    send(enabled(), payload("sleep", 5), replies);
    assertEquals(HandlerReply.error(Status.BAD_REQUEST,
        "'probe' expects null or a map with keys steps, interval-ms and echo, got a map with keys [sleep]"),
        replies.receiveMessage(Duration.ofSeconds(5)));
  }

  @Test
  void rejectsStepsOutOfRangeAsABadRequest() {
    TestProbe<HandlerReply> replies = testKit.createTestProbe();
    send(enabled(), payload("steps", 10_001), replies);
    assertEquals(HandlerReply.error(Status.BAD_REQUEST, "'probe': steps must be 0 to 10000 and interval-ms 0 to"
        + " 600000 (ints or longs), got a map with keys [steps]"), replies.receiveMessage(Duration.ofSeconds(5)));
  }
}
