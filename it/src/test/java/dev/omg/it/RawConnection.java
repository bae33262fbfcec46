package dev.omg.it;

import dev.omg.protocol.Envelope;
import dev.omg.protocol.Hello;
import dev.omg.protocol.ProtocolVersion;
import dev.omg.transport.FrameHeader;
import dev.omg.transport.KryoCodec;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** A socket that sends whatever bytes a test wants, for the cases the client library would never produce. */
public final class RawConnection implements AutoCloseable {
  private final AFUNIXSocket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final KryoCodec codec = new KryoCodec(FrameHeader.DEFAULT_MAX_FRAME_SIZE);

  public RawConnection(Path path) throws IOException {
    this(path, Duration.ofSeconds(10));
  }

  /** @param readTimeout the longest a {@link #receive()} waits for the engine */
  public RawConnection(Path path, Duration readTimeout) throws IOException {
    socket = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(path));
    socket.setSoTimeout((int) readTimeout.toMillis());
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  public RawConnection hello() throws IOException {
    send(new Hello(ProtocolVersion.CURRENT, "raw-test"));
    Envelope reply = receive().orElseThrow();
    if (!(reply instanceof Hello)) {
      throw new IOException("expected hello, got " + reply);
    }
    return this;
  }

  public void send(Envelope envelope) throws IOException {
    sendBytes(codec.encodeFrame(envelope));
  }

  public void sendBytes(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** The next envelope, or empty when the engine closed the connection. */
  public Optional<Envelope> receive() throws IOException {
    int length;
    try {
      length = in.readInt();
    } catch (EOFException e) {
      return Optional.empty();
    }
    byte[] payload = new byte[length];
    in.readFully(payload);
    return Optional.of(codec.decode(payload));
  }

  /** Fails if the engine sends anything, or closes, within {@code quiet}; for "no extra frame" checks. */
  public void assertNothingWithin(Duration quiet) throws IOException {
    int timeout = socket.getSoTimeout();
    socket.setSoTimeout((int) quiet.toMillis());
    try {
      int next = in.read();
      throw new AssertionError("unexpected from the engine within " + quiet.toMillis() + " ms: "
          + (next < 0 ? "end of stream" : "a byte " + next));
    } catch (SocketTimeoutException expected) {
      socket.setSoTimeout(timeout);
    }
  }

  /** Half-closes: the engine reads end-of-stream, and may still answer before it closes its side. */
  public void shutdownOutput() throws IOException {
    // Through the channel: java.net.Socket's own check fails on Java 24+, which no longer sees junixsocket's
    // socket as connected ("Socket is not connected").
    socket.getChannel().shutdownOutput();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
