package dev.omg.client;

import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;

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

  /**
   * As many retries as a deadline allows (give one to {@link #run(String, Deadline, Attempt)}), backing off from
   * 20 ms, no wait over 1 s: for a command whose user said how long it may take in all (the CLI's --timeout).
   */
  public static RetryPolicy untilDeadline() {
    return new RetryPolicy(Integer.MAX_VALUE, Duration.ofMillis(20), Duration.ofSeconds(1));
  }

  /** OVERLOADED goes straight back to the caller. */
  public static RetryPolicy none() {
    return new RetryPolicy(0, Duration.ZERO, Duration.ZERO);
  }

  /** One try of a call: its reply, whatever the status. */
  @FunctionalInterface
  public interface Attempt {
    Response run() throws IOException, TimeoutException;
  }

  /**
   * Runs {@code attempt}, and again after the policy's wait while it is answered OVERLOADED and retries are left;
   * returns the last reply.
   *
   * @param what the call, for the message if the wait is interrupted, e.g. {@code 'install'}
   */
  public Response run(String what, Attempt attempt) throws IOException, TimeoutException {
    return run(what, null, attempt);
  }

  /**
   * As {@link #run(String, Attempt)}, but never waits past {@code deadline}: when the next wait would end after
   * it, the last OVERLOADED reply is returned at once.
   *
   * @param deadline the end of the whole exchange, or null for none
   */
  public Response run(String what, Deadline deadline, Attempt attempt) throws IOException, TimeoutException {
    for (int retry = 1; ; retry++) {
      Response reply = attempt.run();
      if (reply.status() != Status.OVERLOADED || retry > maxRetries) {
        return reply;
      }
      long wait = waitMillis(retry, reply.retryAfterMillis());
      if (deadline != null && wait >= deadline.remainingMillis()) {
        return reply;
      }
      pause(wait, what);
    }
  }

  static void pause(long millis, String what) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting to retry " + what, e);
    }
  }

  /** How long to wait before retry number {@code retry} (1-based), given the engine's hint. */
  public long waitMillis(int retry, long retryAfterMillis) {
    long backoff = firstBackoff.toMillis() << Math.min(retry - 1, 20);
    long base = Math.max(backoff, retryAfterMillis);
    long jitter = base <= 1 ? 0 : ThreadLocalRandom.current().nextLong(base / 2 + 1);
    return Math.min(base + jitter, maxWait.toMillis());
  }
}
