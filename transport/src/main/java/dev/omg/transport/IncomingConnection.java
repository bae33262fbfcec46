package dev.omg.transport;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.IOResult;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamConverters;
import org.apache.pekko.util.ByteString;
import org.newsclub.net.unix.AFUNIXSocket;

/**
 * INTERNAL API. One accepted, authorised connection. {@link #handleWith} runs a Flow of bytes over it: reads and
 * writes block on the transport's IO dispatcher, each in its own island, and everything between them runs on the
 * default dispatcher. The socket closes when the flow's output completes or fails.
 */
public final class IncomingConnection {
  private final long id;
  private final AFUNIXSocket socket;
  private final PeerCredentials peer;
  private final TransportSettings settings;
  private final Runnable onClose;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CompletableFuture<Done> whenClosed = new CompletableFuture<>();
  private volatile UniqueKillSwitch reading;

  IncomingConnection(long id, AFUNIXSocket socket, PeerCredentials peer, TransportSettings settings,
      Runnable onClose) {
    this.id = id;
    this.socket = socket;
    this.peer = peer;
    this.settings = settings;
    this.onClose = onClose;
  }

  public long id() {
    return id;
  }

  public PeerCredentials peer() {
    return peer;
  }

  /** How logs name this connection. */
  public String name() {
    return "conn-" + id + " (pid " + peer.pid() + ")";
  }

  /** Runs {@code flow} over this connection; completes when the connection is closed. */
  public CompletionStage<Done> handleWith(Flow<ByteString, ByteString, ?> flow, Materializer materializer) {
    Source<ByteString, ?> reads =
        StreamConverters.fromInputStream(socket::getInputStream, settings.readBufferSize)
            .async(TransportSettings.IO_DISPATCHER);
    // The writer takes one element at a time, so replies wait upstream, where batchWeighted merges them into
    // one write while the writer is busy.
    Sink<ByteString, CompletionStage<IOResult>> writes =
        StreamConverters.fromOutputStream(socket::getOutputStream, true)
            .addAttributes(Attributes.inputBuffer(1, 1))
            .async(TransportSettings.IO_DISPATCHER);
    var running = reads
        .viaMat(KillSwitches.single(), Keep.right())
        .via(flow)
        .batchWeighted(settings.writeBatchSize, bytes -> (long) bytes.size(), first -> first, ByteString::concat)
        .toMat(writes, Keep.both())
        .run(materializer);
    reading = running.first();
    running.second().whenCompleteAsync((result, failure) -> close(), DirectExecutor.INSTANCE);
    return whenClosed;
  }

  /**
   * Stops reading new requests; requests already read are answered and written, then the connection closes.
   * For a graceful shutdown.
   */
  public void finish() {
    UniqueKillSwitch killSwitch = reading;
    if (killSwitch != null) {
      killSwitch.shutdown();
    } else {
      close();
    }
  }

  /** Completes when the socket has been closed, for whatever reason. */
  public CompletionStage<Done> whenClosed() {
    return whenClosed;
  }

  /** Closes the socket, unblocking any read; idempotent. */
  public void close() {
    if (closed.compareAndSet(false, true)) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // Closing is best effort: the peer may be gone already.
      }
      onClose.run();
      whenClosed.complete(Done.getInstance());
    }
  }
}
