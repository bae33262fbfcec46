package dev.omg.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.omg.handler.internal.TestEngine;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The handler base class's side of progress and cancellation, with requests made as the engine makes them. */
class CancellationTest {
  private static final ActorTestKit testKit = ActorTestKit.create();
  /** What the handlers below saw, in order, across the test's actors. */
  private static final List<String> seen = new CopyOnWriteArrayList<>();

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void clear() {
    seen.clear();
  }

  /** Reports two progress events and then never answers; records what it is told. */
  public static final class SlowHandler extends Handler {
    public SlowHandler(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
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

  private ActorRef<HandlerMessage> spawnSlow() {
    return testKit.spawn(Behaviors.setup(context -> new SlowHandler(context,
        new HandlerContext("slow", ConfigFactory.empty(), new TestEngine()))));
  }

  private static HandlerRequest request(long id, List<Object> progress, Runnable taken, ActorRef<HandlerReply> to) {
    return new HandlerRequest(id, "slow", null, Instant.now().plusSeconds(5), new Peer(1000, 1000, 42), to,
        progress::add, taken);
  }

  @Test
  void progressEventsGoToTheRequestsOutletAndACancelReachesOnCancel() {
    List<Object> progress = new CopyOnWriteArrayList<>();
    TestProbe<HandlerReply> probe = testKit.createTestProbe();
    HandlerRequest request = request(5, progress, null, probe.getRef());
    spawnSlow().tell(request);
    probe.awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(List.of("step 1", "step 2"), progress);
      return null;
    });
    request.cancel();
    probe.awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(List.of("handle 5 from uid 1000", "cancelled 5 true"), seen);
      return null;
    });
    assertFalse(request.progress("late"), "no progress after a cancel");
    probe.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aCancelIsItsOwnMessageToTheActorServingTheRequestSentOnce() {
    TestProbe<HandlerMessage> handler = testKit.createTestProbe();
    HandlerRequest request = request(9, new CopyOnWriteArrayList<>(), null,
        testKit.<HandlerReply>createTestProbe().getRef());
    assertTrue(request.takeUp(handler.getRef()));
    request.cancel();
    request.cancel();
    RequestCancelled cancel = handler.expectMessageClass(RequestCancelled.class, Duration.ofSeconds(5));
    assertSame(request, cancel.request());
    handler.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aRequestCancelledBeforeItsHandlerTookItUpIsNeverServedButStillCountsAsTaken() {
    AtomicInteger taken = new AtomicInteger();
    TestProbe<HandlerReply> probe = testKit.createTestProbe();
    HandlerRequest cancelled = request(6, new CopyOnWriteArrayList<>(), taken::incrementAndGet, probe.getRef());
    cancelled.cancel();
    ActorRef<HandlerMessage> handler = spawnSlow();
    handler.tell(cancelled);
    handler.tell(new HandlerRequest(7, "slow", null, Instant.now().plusSeconds(5), probe.getRef()));
    probe.awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(List.of("handle 7 from uid -1"), seen);
      return null;
    });
    assertEquals(1, taken.get());
  }

  @Test
  void aRequestSentTwiceIsServedOnce() {
    TestProbe<HandlerReply> probe = testKit.createTestProbe();
    HandlerRequest request = request(8, new CopyOnWriteArrayList<>(), null, probe.getRef());
    ActorRef<HandlerMessage> handler = spawnSlow();
    handler.tell(request);
    handler.tell(request);
    handler.tell(new HandlerRequest(10, "slow", null, Instant.now().plusSeconds(5), probe.getRef()));
    probe.awaitAssert(Duration.ofSeconds(5), () -> {
      assertEquals(List.of("handle 8 from uid 1000", "handle 10 from uid -1"), seen);
      return null;
    });
  }

  @Test
  void aPlainRequestSendsNoProgress() {
    HandlerRequest request = new HandlerRequest(8, "slow", null, Instant.now(), testKit.<HandlerReply>createTestProbe()
        .getRef());
    assertFalse(request.progress("ignored"));
    assertFalse(request.isCancelled());
    assertSame(Peer.UNKNOWN, request.peer());
  }
}
