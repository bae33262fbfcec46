package dev.omg.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.protocol.Progress;
import dev.omg.protocol.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** One request's progress frames against a connection's bounded queue. */
class ExchangeTest {
  private static final WarningLimiter WARNINGS = new WarningLimiter(ClientWarnings.DROPPED_PROGRESS,
      LoggerFactory.getLogger(Exchange.class), 5, Duration.ofSeconds(10), System::nanoTime);
  /** A connection's progress queue that nobody reads until the test says so. */
  private static final class Queue {
    final ProgressMerge.Queue queue;
    final List<Progress> frames = new ArrayList<>();

    Queue(int capacity) {
      queue = new ProgressMerge.Queue(capacity);
      queue.attach(frame -> frames.add(((Exchange.Frame) frame).progress()));
    }

    /** The connection writes the oldest frame. */
    Progress write() {
      queue.emitted();
      return frames.remove(0);
    }
  }

  @Test
  void dropsProgressWhenTheQueueIsFullAndSpendsItsSequenceNumber() {
    Queue queue = new Queue(2);
    Exchange exchange = new Exchange(new Request(7, "install", null), null, true, queue.queue, WARNINGS);
    assertTrue(exchange.progress("a"));
    assertTrue(exchange.progress("b"));
    assertFalse(exchange.progress("c"), "the queue is full");
    exchange.emitted(queue.write());
    assertTrue(exchange.progress("d"));
    // The client sees seq 3 missing: no drop is silent.
    assertEquals(List.of(new Progress(7, 2, "b"), new Progress(7, 4, "d")), queue.frames);
  }

  @Test
  void theReplyWaitsUntilEveryAcceptedProgressFrameWasEmitted() {
    Queue queue = new Queue(4);
    Exchange exchange = new Exchange(new Request(8, "install", null), null, true, queue.queue, WARNINGS);
    exchange.progress("a");
    exchange.progress("b");
    CompletableFuture<Void> drained = exchange.finish().toCompletableFuture();
    assertFalse(exchange.progress("late"), "no progress after the reply");
    exchange.emitted(queue.write());
    assertFalse(drained.isDone());
    exchange.emitted(queue.write());
    assertTrue(drained.isDone());
  }

  @Test
  void aPlainRequestSendsNoProgress() {
    Queue queue = new Queue(4);
    Exchange exchange = new Exchange(new Request(9, "install", null), null, false, queue.queue, WARNINGS);
    assertFalse(exchange.progress("a"));
    assertTrue(exchange.finish().toCompletableFuture().isDone());
    assertEquals(List.of(), queue.frames);
  }
}
