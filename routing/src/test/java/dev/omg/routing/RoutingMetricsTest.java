package dev.omg.routing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The in-flight count's idle signal, what a drain waits on. */
class RoutingMetricsTest {
  private final RoutingMetrics metrics = new RoutingMetrics();

  @Test
  void isIdleAtOnceWithNothingInFlight() {
    assertTrue(metrics.whenIdle().toCompletableFuture().isDone());
  }

  @Test
  void becomesIdleWhenTheLastRequestInFlightIsAnswered() {
    metrics.tryStart(10);
    metrics.tryStart(10);
    CompletableFuture<Void> idle = metrics.whenIdle().toCompletableFuture();
    metrics.finished();
    assertFalse(idle.isDone(), "one request is still in flight");
    metrics.finished();
    assertTrue(idle.isDone());
  }

  @Test
  void anIdleMomentBeforeDoesNotCountForRequestsStartedSince() {
    assertTrue(metrics.whenIdle().toCompletableFuture().isDone());
    metrics.tryStart(10);
    CompletableFuture<Void> idle = metrics.whenIdle().toCompletableFuture();
    assertFalse(idle.isDone(), "a request is in flight");
    metrics.finished();
    assertTrue(idle.isDone());
  }
}
