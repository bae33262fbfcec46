package dev.omg.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
