package dev.omg.transport.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * INTERNAL API. A connected non-blocking channel with the selector loop it is registered with, and the one way to
 * close it: on the loop thread, so the selector never polls a descriptor number that was closed and reused.
 */
final class UnixChannel {
  final AFUNIXSocketChannel channel;
  final SelectorLoop loop;
  private final CompletableFuture<Done> closed = new CompletableFuture<>();
  /** Told when the socket is closed from outside the stage that runs it (engine shutdown, for instance). */
  private volatile Runnable onClose = () -> {};
  /** Reads in a row that found the socket readable and got no byte; on the loop thread only. */
  private int emptyReads;

  UnixChannel(AFUNIXSocketChannel channel, SelectorLoop loop) {
    this.channel = channel;
    this.loop = loop;
  }

  /**
   * Reads what the selector reported readable: a byte count, 0 for nothing, or -1 at end of stream.
   *
   * <p>junixsocket 2.10.1 reads a non-blocking socket's end of stream as 0 bytes, like "nothing yet" (its
   * issue 171, fixed after that release). A stream socket that polls readable holds data or its end; so a
   * second readable-but-empty read in a row, with no data between, is the end of the stream. A single one is
   * taken as a spurious wake-up.
   */
  int readReady(ByteBuffer buffer) throws IOException {
    int read = channel.read(buffer);
    if (read != 0) {
      emptyReads = 0;
      return read;
    }
    return ++emptyReads >= 2 ? -1 : 0;
  }

  void onClose(Runnable action) {
    this.onClose = action;
  }

  CompletableFuture<Done> whenClosed() {
    return closed;
  }

  /** Closes the socket (on the loop thread); idempotent. */
  void close() {
    loop.runOrExecute(this::closeNow);
  }

  private void closeNow() {
    if (closed.isDone()) {
      return;
    }
    SelectionKey key = channel.keyFor(loop.selector());
    if (key != null) {
      key.cancel();
    }
    try {
      channel.close();
    } catch (IOException ignored) {
      // Closing is best effort: the peer may be gone already.
    }
    closed.complete(Done.getInstance());
    onClose.run();
  }
}
