package dev.omg.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerReply;
import dev.omg.handler.HandlerRequest;
import dev.omg.handler.Peer;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The handler base class's side of progress and cancellation, with the engine's RequestControl. */
class CancellationTest {
  private static final ActorTestKit testKit = ActorTestKit.create();
  /** What the handlers below saw, in order, across the test's actors. */
  private static final List<String> seen = new CopyOnWriteArrayList<>();

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** Reports two progress events and then never answers; records what it is told. */
  public static final class SlowHandler extends Handler {
    public SlowHandler(ActorContext<HandlerRequest> context, HandlerContext handlerContext) {
      super(context, handlerContext);
    }

    @Override
    protected void handle(HandlerRequest request) {
      seen.add("handle " + request.id() + " from uid " + request.peer().uid());
      request.progress("step 1");
      request.progress("step 2");
    }

    @Override
    protected void onCancel(HandlerRequest request) {
      seen.add("cancelled " + request.id() + " " + request.isCancelled());
    }
  }

  private ActorRef<HandlerRequest> spawnSlow() {
    return testKit.spawn(Behaviors.setup(context -> new SlowHandler(context,
        new HandlerContext("slow", com.typesafe.config.ConfigFactory.empty(), new TestEngine()))));
  }

  @Test
  void progressEventsGoToTheRequestsOutletAndACancelReachesOnCancel() {
    seen.clear();
    List<Object> progress = new CopyOnWriteArrayList<>();
    RequestControl control = new RequestControl(progress::add);
    TestProbe<HandlerReply> probe = testKit.createTestProbe();
    ActorRef<HandlerRequest> handler = spawnSlow();
    handler.tell(new HandlerRequest(5, "slow", null, Instant.now().plusSeconds(5), new Peer(1000, 1000, 42),
        probe.getRef(), control));
    probe.awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(List.of("step 1", "step 2"), progress);
      return null;
    });
    control.cancel();
    probe.awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(List.of("handle 5 from uid 1000", "cancelled 5 true"), seen);
      return null;
    });
    assertFalse(control.progress("late"), "no progress after a cancel");
    probe.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aRequestCancelledBeforeItsHandlerTookItUpIsNeverServed() {
    seen.clear();
    RequestControl control = new RequestControl(event -> true);
    control.cancel();
    TestProbe<HandlerReply> probe = testKit.createTestProbe();
    ActorRef<HandlerRequest> handler = spawnSlow();
    handler.tell(new HandlerRequest(6, "slow", null, Instant.now().plusSeconds(5), Peer.UNKNOWN, probe.getRef(),
        control));
    handler.tell(new HandlerRequest(7, "slow", null, Instant.now().plusSeconds(5), probe.getRef()));
    probe.awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(List.of("handle 7 from uid -1"), seen);
      return null;
    });
  }

  @Test
  void aPlainRequestSendsNoProgress() {
    HandlerRequest request = new HandlerRequest(8, "slow", null, Instant.now(), testKit.<HandlerReply>createTestProbe()
        .getRef());
    assertFalse(request.progress("ignored"));
    assertFalse(request.isCancelled());
    assertTrue(request.peer() == Peer.UNKNOWN);
  }
}
