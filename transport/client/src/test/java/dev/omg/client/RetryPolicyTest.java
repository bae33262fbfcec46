package dev.omg.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private final RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(20), Duration.ofMillis(500));

  @Test
  void waitsAtLeastTheEnginesHintPlusAtMostHalfAgainAsJitter() {
    for (int i = 0; i < 1000; i++) {
      long wait = policy.waitMillis(1, 100);
      assertTrue(wait >= 100 && wait <= 150, "wait " + wait);
    }
  }

  @Test
  void backsOffExponentiallyWhenTheHintIsShorter() {
    for (int i = 0; i < 1000; i++) {
      long wait = policy.waitMillis(3, 1);
      assertTrue(wait >= 80 && wait <= 120, "wait " + wait);
    }
  }

  @Test
  void neverWaitsLongerThanTheCap() {
    assertEquals(500, policy.waitMillis(30, 10_000));
  }

  @Test
  void givesUpWithTheLastOverloadedReplyWhenTheNextWaitWouldPassTheDeadline() throws Exception {
    int[] attempts = {0};
    Response overloaded = new Response(7, Status.OVERLOADED, null, "full", 10_000);
    Response reply = RetryPolicy.untilDeadline().run("'x'", Deadline.after(Duration.ofMillis(500)), () -> {
      attempts[0]++;
      return overloaded;
    });
    assertEquals(overloaded, reply);
    assertEquals(1, attempts[0], "a 1 s wait does not fit in 0.5 s");
  }

  @Test
  void retriesUntilAnswerWhileTheDeadlineAllows() throws Exception {
    int[] attempts = {0};
    Response reply = RetryPolicy.untilDeadline().run("'x'", Deadline.after(Duration.ofSeconds(30)), () ->
        ++attempts[0] < 5 ? new Response(7, Status.OVERLOADED, null, "full", 1) : Response.ok(7, "done"));
    assertEquals(Response.ok(7, "done"), reply);
    assertEquals(5, attempts[0]);
  }
}
