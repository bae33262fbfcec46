package dev.omg.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What {@link EngineClient#call} and {@link EngineClient#connect} do when the engine answers OVERLOADED: wait and
 * try again, up to {@code maxRetries} times. Each wait is the engine's retry-after hint or an exponential back-off
 * from {@code firstBackoff}, whichever is longer, with up to 50% random jitter added so that many clients turned
 * away at once do not come back at once; no single wait exceeds {@code maxWait}.
 *
 * @param maxRetries retries after the first attempt; 0 returns OVERLOADED to the caller at once
 * @param firstBackoff the back-off before the first retry, doubled for each further one
 * @param maxWait the longest single wait
 */
public record RetryPolicy(int maxRetries, Duration firstBackoff, Duration maxWait) {
  public RetryPolicy {
    if (maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries must be >= 0, got " + maxRetries);
    }
  }

  /** Three retries, backing off from 20 ms, no wait over 2 s. */
  public static RetryPolicy defaults() {
    return new RetryPolicy(3, Duration.ofMillis(20), Duration.ofSeconds(2));
  }

  /** OVERLOADED goes straight back to the caller. */
  public static RetryPolicy none() {
    return new RetryPolicy(0, Duration.ZERO, Duration.ZERO);
  }

  /** How long to wait before retry number {@code retry} (1-based), given the engine's hint. */
  public long waitMillis(int retry, long retryAfterMillis) {
    long backoff = firstBackoff.toMillis() << Math.min(retry - 1, 20);
    long base = Math.max(backoff, retryAfterMillis);
    long jitter = base <= 1 ? 0 : ThreadLocalRandom.current().nextLong(base / 2 + 1);
    return Math.min(base + jitter, maxWait.toMillis());
  }
}
