package dev.omg.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The rate limit of the warnings a client can cause, on a clock the test moves. */
class WarningLimiterTest {
  private static final long SECOND = 1_000_000_000L;

  private final AtomicLong clock = new AtomicLong(Long.MAX_VALUE - 5 * SECOND);
  private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
  private WarningLimiter limiter;

  @BeforeEach
  void captureTheLoggersLines() {
    Logger log = (Logger) LoggerFactory.getLogger("WarningLimiterTest." + System.nanoTime());
    log.setLevel(Level.WARN);
    log.setAdditive(false);
    lines.start();
    log.addAppender(lines);
    // Near Long.MAX_VALUE, so the clock wraps during the tests as System.nanoTime may.
    limiter = new WarningLimiter("malformed input", log, 3, Duration.ofSeconds(10), clock::get);
  }

  private int allowed(int attempts) {
    int allowed = 0;
    for (int i = 0; i < attempts; i++) {
      allowed += limiter.allow() ? 1 : 0;
    }
    return allowed;
  }

  private List<String> logged() {
    return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void letsTheFirstBurstPassThenHoldsBackTheRest() {
    assertEquals(3, allowed(100));
    assertEquals(97, limiter.suppressed());
  }

  @Test
  void letsOneMorePassPerIntervalAfterTheBurst() {
    allowed(100);
    clock.addAndGet(9 * SECOND);
    assertEquals(0, allowed(10));
    clock.addAndGet(SECOND);
    assertEquals(1, allowed(10));
    clock.addAndGet(10 * SECOND);
    assertEquals(1, allowed(10));
  }

  @Test
  void givesTheWholeBurstBackAfterAQuietSpellOfBurstIntervals() {
    allowed(100);
    clock.addAndGet(30 * SECOND);
    assertEquals(3, allowed(100));
  }

  @Test
  void reportsHowManyWereSuppressedSinceTheLastReportAndThenStartsCountingAgain() {
    allowed(100);
    clock.addAndGet(10 * SECOND);
    limiter.report();
    allowed(5);
    clock.addAndGet(10 * SECOND);
    limiter.report();
    assertEquals(List.of("97 more malformed input warnings suppressed in the last 10 s",
        "4 more malformed input warnings suppressed in the last 10 s"), logged());
    assertEquals(Level.WARN, lines.list.get(0).getLevel());
  }

  @Test
  void reportsNothingWhenNothingWasSuppressed() {
    allowed(3);
    clock.addAndGet(10 * SECOND);
    limiter.report();
    assertEquals(List.of(), logged());
  }

  @Test
  void letsExactlyTheBurstPassWhenManyThreadsRaceForIt() throws Exception {
    AtomicInteger allowed = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      Thread thread = new Thread(() -> {
        try {
          start.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int i = 0; i < 10_000; i++) {
          if (limiter.allow()) {
            allowed.incrementAndGet();
          }
        }
      });
      thread.start();
      threads.add(thread);
    }
    start.countDown();
    for (Thread thread : threads) {
      thread.join(10_000);
    }
    assertEquals(3, allowed.get());
    assertEquals(80_000 - 3, limiter.suppressed());
  }

  @Test
  void rejectsABurstBelowOne() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new WarningLimiter("x",
        LoggerFactory.getLogger("x"), 0, Duration.ofSeconds(1), clock::get));
    assertTrue(e.getMessage().equals("burst must be at least 1 and interval positive, got 0 and PT1S"),
        e.getMessage());
  }
}
