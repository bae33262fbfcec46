package dev.omg.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.omg.protocol.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A request's payload accessors: the pure one sends nothing, the rejecting one answers BAD_REQUEST. */
class HandlerRequestTest {
  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void payloadAsIsEmptyForAnotherTypeAndAnswersNothing() {
    TestProbe<HandlerReply> probe = testKit.createTestProbe();
    HandlerRequest request = new HandlerRequest(3, "install", 42, Instant.now(), probe.getRef());
    assertEquals(Optional.empty(), request.payloadAs(String.class));
    assertEquals(Optional.of(42), request.payloadAs(Integer.class));
    probe.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void payloadOrRejectAnswersBadRequestForTheWrongType() {
    TestProbe<HandlerReply> probe = testKit.createTestProbe();
    HandlerRequest request = new HandlerRequest(3, "install", 42, Instant.now(), probe.getRef());
    assertNull(request.payloadOrReject(String.class));
    assertEquals(HandlerReply.error(Status.BAD_REQUEST, "'install' expects a String payload, got Integer"),
        probe.receiveMessage(Duration.ofSeconds(5)));
  }

  @Test
  void payloadOrRejectNamesAMissingPayload() {
    TestProbe<HandlerReply> probe = testKit.createTestProbe();
    HandlerRequest request = new HandlerRequest(4, "install", null, Instant.now(), probe.getRef());
    assertNull(request.payloadOrReject(String.class));
    assertEquals(HandlerReply.error(Status.BAD_REQUEST, "'install' expects a String payload, got none"),
        probe.receiveMessage(Duration.ofSeconds(5)));
  }

  @Test
  void payloadOrRejectReturnsAMatchingPayloadAndAnswersNothing() {
    TestProbe<HandlerReply> probe = testKit.createTestProbe();
    HandlerRequest request = new HandlerRequest(5, "install", "jq", Instant.now(), probe.getRef());
    assertEquals("jq", request.payloadOrReject(String.class));
    probe.expectNoMessage(Duration.ofMillis(100));
  }
}
