package dev.omg.transport.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Iterator;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.newsclub.net.unix.AFUNIXSelectorProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API. One selector thread, shaped like Netty's event loop: it waits on a junixsocket selector for the
 * channels registered with it, runs their ready callbacks, then runs the tasks handed to it. It is also an
 * {@link Executor}: the Pekko dispatcher {@value SelectorLoops#DISPATCHER} runs actors (connection streams, the
 * router, non-blocking handlers) on it, so a request read by the loop is decoded, routed, handled, encoded and
 * written on this thread without waking another one.
 *
 * <p>Nothing that runs here may block: every channel is non-blocking, and every task is short.
 */
public final class SelectorLoop implements Executor {
  private static final Logger log = LoggerFactory.getLogger(SelectorLoop.class);
  /** Tasks run between two selects at most, so ready channels are not starved by a flood of tasks. */
  private static final int MAX_TASKS_PER_ROUND = 4096;

  /** What a registered channel's key carries: called on the loop thread when the channel is ready. */
  public interface Ready {
    void ready(SelectionKey key);

    /**
     * The peer hung up (POLLHUP or POLLERR): junixsocket's selector has invalidated the key and closes the channel
     * at its next select, without a ready callback for it. Called once, on the loop thread.
     */
    default void hungUp(SelectionKey key) {}
  }

  private final Selector selector;
  private final Thread thread;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  /** Set by the first task hand-off after the loop last woke up; the loop clears it before it selects. */
  private final AtomicBoolean wakeupPending = new AtomicBoolean();
  private final ByteBuffer readBuffer;
  private volatile boolean running = true;

  SelectorLoop(String name, int readBufferSize) throws IOException {
    this.selector = AFUNIXSelectorProvider.provider().openSelector();
    this.readBuffer = ByteBuffer.allocateDirect(readBufferSize);
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Whether the caller runs on this loop's thread. */
  public boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  Selector selector() {
    return selector;
  }

  /** The loop's one read buffer, for reads done on the loop thread only. */
  ByteBuffer readBuffer() {
    return readBuffer;
  }

  @Override
  public void execute(Runnable task) {
    tasks.add(task);
    // One wake-up per round at most: a loop busy with tasks picks new ones up without it.
    if (!inLoop() && wakeupPending.compareAndSet(false, true)) {
      selector.wakeup();
    }
  }

  /** Runs {@code task} now when called on the loop thread, else hands it over. */
  void runOrExecute(Runnable task) {
    if (inLoop()) {
      task.run();
    } else {
      execute(task);
    }
  }

  /** Registers {@code channel} (non-blocking) for {@code ops}; on the loop thread only. */
  SelectionKey register(SelectableChannel channel, int ops, Ready ready) throws IOException {
    return channel.register(selector, ops, ready);
  }

  private void run() {
    while (running) {
      try {
        wakeupPending.set(false);
        // A task handed over after this check set wakeupPending first, and its wake-up ends the select.
        if (tasks.isEmpty()) {
          selector.select();
        } else {
          selector.selectNow();
        }
        processSelectedKeys();
        runTasks();
      } catch (ClosedSelectorException e) {
        return;
      } catch (Throwable e) {
        // One channel's or task's failure must not stop I/O for every other connection.
        log.error("selector loop {}: {}", thread.getName(), e.toString(), e);
      }
    }
  }

  private void processSelectedKeys() {
    Iterator<SelectionKey> selected = selector.selectedKeys().iterator();
    while (selected.hasNext()) {
      SelectionKey key = selected.next();
      selected.remove();
      try {
        if (!key.isValid()) {
          if (key.channel().isOpen()) {
            ((Ready) key.attachment()).hungUp(key);
          }
          continue;
        }
        ((Ready) key.attachment()).ready(key);
      } catch (RuntimeException e) {
        log.error("selector loop {}: a channel's callback failed: {}", thread.getName(), e.toString(), e);
      }
    }
  }

  private void runTasks() {
    for (int i = 0; i < MAX_TASKS_PER_ROUND; i++) {
      Runnable task = tasks.poll();
      if (task == null) {
        return;
      }
      try {
        task.run();
      } catch (RuntimeException e) {
        log.error("selector loop {}: a task failed: {}", thread.getName(), e.toString(), e);
      }
    }
  }

  /** Stops the thread and closes the selector; channels still registered are closed by their owners. */
  void close() {
    running = false;
    try {
      selector.close();
    } catch (IOException e) {
      log.debug("closing selector {}: {}", thread.getName(), e.toString());
    }
  }
}
