package dev.omg.it;

import dev.omg.protocol.Envelope;
import dev.omg.protocol.Hello;
import dev.omg.protocol.ProtocolVersion;
import dev.omg.transport.FrameHeader;
import dev.omg.transport.KryoCodec;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Many connections to an engine that each exchanged hellos and then say nothing, as editors and shells keep them
 * open. They cost this JVM no threads: each is a plain socket read once, for the engine's hello.
 */
public final class IdleConnections implements AutoCloseable {
  private final List<AFUNIXSocket> sockets;

  private IdleConnections(List<AFUNIXSocket> sockets) {
    this.sockets = sockets;
  }

  /**
   * Opens {@code count} connections one after another, each waiting up to {@code helloTimeout} for the engine's
   * hello before the next one opens. On any failure the ones already open are closed.
   *
   * @param opened told the number open so far, after each one, for progress lines
   */
  public static IdleConnections open(Path socket, int count, Duration helloTimeout, IntConsumer opened)
      throws IOException {
    KryoCodec codec = new KryoCodec(FrameHeader.DEFAULT_MAX_FRAME_SIZE);
    byte[] hello = codec.encodeFrame(new Hello(ProtocolVersion.CURRENT, "idle-connection"));
    List<AFUNIXSocket> sockets = new ArrayList<>(count);
    IdleConnections connections = new IdleConnections(sockets);
    try {
      for (int i = 0; i < count; i++) {
        AFUNIXSocket connection = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(socket));
        sockets.add(connection);
        connection.setSoTimeout((int) helloTimeout.toMillis());
        connection.getOutputStream().write(hello);
        Envelope reply = readOne(connection, codec);
        if (!(reply instanceof Hello)) {
          throw new IOException("connection " + (i + 1) + " of " + count + ": expected the engine's hello, got "
              + reply);
        }
        opened.accept(i + 1);
      }
      return connections;
    } catch (IOException | RuntimeException e) {
      connections.close();
      throw e;
    }
  }

  private static Envelope readOne(AFUNIXSocket connection, KryoCodec codec) throws IOException {
    // Not buffered: a buffer could read past the hello, and nothing else is expected on an idle connection.
    DataInputStream in = new DataInputStream(connection.getInputStream());
    int length = in.readInt();
    if (length < 0 || length > FrameHeader.DEFAULT_MAX_FRAME_SIZE) {
      throw new IOException("the engine sent a frame of " + length + " bytes");
    }
    byte[] payload = new byte[length];
    in.readFully(payload);
    return codec.decode(payload);
  }

  public int size() {
    return sockets.size();
  }

  /** Closes every connection; the first failure is thrown after all were tried. */
  @Override
  public void close() throws IOException {
    IOException first = null;
    for (AFUNIXSocket connection : sockets) {
      try {
        connection.close();
      } catch (IOException e) {
        if (first == null) {
          first = e;
        }
      }
    }
    sockets.clear();
    if (first != null) {
      throw first;
    }
  }
}
