package dev.omg.transport.socket;

import dev.omg.transport.PeerCredentials;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.util.ByteString;

/**
 * One accepted connection, as Pekko's {@code Tcp.IncomingConnection}. Its peer's credentials were read from the
 * socket before any byte of it; nothing is read until {@link #handleWith} (or {@link #flow}) runs, or the
 * connection is {@link #refuse refused}. Exactly one of the three may be used, once.
 */
public final class IncomingConnection {
  private final long id;
  private final UnixChannel socket;
  private final PeerCredentials peer;
  private final SocketSettings settings;
  private final AtomicBoolean used = new AtomicBoolean();

  IncomingConnection(long id, UnixChannel socket, PeerCredentials peer, SocketSettings settings) {
    this.id = id;
    this.socket = socket;
    this.peer = peer;
    this.settings = settings;
  }

  /** This listener's sequence number for the connection, from 1. */
  public long id() {
    return id;
  }

  /** Who is at the other end (SO_PEERCRED at accept time). */
  public PeerCredentials peer() {
    return peer;
  }

  /**
   * The connection as a Flow: elements pushed in are written, bytes read come out. Its materialized value
   * completes when the socket is closed.
   */
  public Flow<ByteString, ByteString, CompletionStage<Done>> flow() {
    claim();
    return Flow.fromGraph(new ConnectionStage(socket, settings.writeBufferSize()))
        .mapMaterializedValue(notUsed -> (CompletionStage<Done>) socket.whenClosed());
  }

  /**
   * Runs {@code handler} over the connection on the selector dispatcher ({@value SelectorLoops#DISPATCHER});
   * completes when the socket is closed.
   */
  public CompletionStage<Done> handleWith(Flow<ByteString, ByteString, ?> handler, Materializer materializer) {
    return flow().joinMat(handler, Keep.left())
        .withAttributes(ActorAttributes.dispatcher(SelectorLoops.DISPATCHER))
        .run(materializer);
  }

  /**
   * Tells a peer that is not served why, and ends the connection without a stream. {@code reason} is written
   * and our side's output shut, so the peer reads it and then end of stream. Whatever the peer sends meanwhile
   * (its hello, typically) is read and dropped: closing with unread input makes the kernel reset the
   * connection, and the peer could lose the reason. The socket closes when the peer closes, or after
   * {@code linger}. Costs a descriptor while it lingers, no thread.
   */
  public CompletionStage<Done> refuse(ByteString reason, Duration linger) {
    claim();
    SelectorLoop loop = socket.loop;
    loop.runOrExecute(() -> {
      try {
        ByteBuffer bytes = reason.asByteBuffer();
        while (bytes.hasRemaining() && socket.channel.write(bytes) > 0) {
          // A fresh socket's buffer holds a reason frame; if it does not, the peer gets what fit.
        }
        socket.channel.shutdownOutput();
        loop.register(socket.channel, SelectionKey.OP_READ, new SelectorLoop.Ready() {
          @Override
          public void ready(SelectionKey key) {
            drainRefused();
          }

          @Override
          public void hungUp(SelectionKey key) {
            socket.close();
          }
        });
        CompletableFuture.delayedExecutor(linger.toMillis(), TimeUnit.MILLISECONDS).execute(socket::close);
      } catch (IOException | RuntimeException e) {
        socket.close();
      }
    });
    return socket.whenClosed();
  }

  private void drainRefused() {
    ByteBuffer buffer = socket.loop.readBuffer();
    try {
      int read;
      do {
        buffer.clear();
        read = socket.readReady(buffer);
      } while (read > 0);
      if (read < 0) {
        socket.close();
      }
    } catch (IOException e) {
      socket.close();
    }
  }

  /** Closes the socket now, whatever is in flight; a stream running over it fails. Idempotent. */
  public void close() {
    socket.close();
  }

  /** Completes when the socket has been closed, for whatever reason. */
  public CompletionStage<Done> whenClosed() {
    return socket.whenClosed();
  }

  private void claim() {
    if (!used.compareAndSet(false, true)) {
      throw new IllegalStateException("connection " + id + " is already handled");
    }
  }
}
