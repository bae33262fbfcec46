package dev.omg.it.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The floor: a Unix-socket echo server as a careful engineer writes it by hand with the JDK alone. Same framing as
 * the engine (a 4-byte big-endian length, then that many bytes), echoed back unchanged; a thread per connection
 * with blocking, buffered streams. It flushes only when no further request is already buffered, so pipelined
 * requests coalesce into one write.
 */
final class RawEchoServer implements AutoCloseable {
  static final int BUFFER_SIZE = 64 * 1024;
  /** Frames above this are refused by closing the connection; the benchmark never sends more than 16 KiB. */
  static final int MAX_FRAME_SIZE = 1 << 20;

  private final ServerSocketChannel server;
  private final Path socket;
  private final Set<SocketChannel> connections = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connectionCount = new AtomicInteger();
  private final Thread acceptor;

  private RawEchoServer(ServerSocketChannel server, Path socket) {
    this.server = server;
    this.socket = socket;
    this.acceptor = new Thread(this::acceptLoop, "raw-echo-acceptor");
    acceptor.setDaemon(true);
  }

  /** Binds {@code socket} (which must not exist yet) and starts accepting. */
  static RawEchoServer start(Path socket) throws IOException {
    Files.createDirectories(socket.getParent());
    ServerSocketChannel channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    channel.bind(UnixDomainSocketAddress.of(socket));
    RawEchoServer server = new RawEchoServer(channel, socket);
    server.acceptor.start();
    return server;
  }

  Path socket() {
    return socket;
  }

  /**
   * Runs the server alone in its own JVM until it is sent SIGTERM, so that its threads and memory can be read
   * from {@code /proc} apart from any client's ({@link RawServerProcess}).
   */
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: RawEchoServer SOCKET");
      System.exit(2);
    }
    RawEchoServer server = start(Path.of(args[0]));
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        server.close();
      } catch (IOException e) {
        // Exiting anyway; the benchmark deletes the socket's directory.
      }
    }));
    server.acceptor.join();
  }

  private void acceptLoop() {
    while (server.isOpen()) {
      try {
        SocketChannel connection = server.accept();
        connections.add(connection);
        Thread serving = new Thread(() -> serve(connection), "raw-echo-" + connectionCount.incrementAndGet());
        serving.setDaemon(true);
        serving.start();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        System.err.println("[raw] accept failed: " + e);
        return;
      }
    }
  }

  private void serve(SocketChannel connection) {
    // One thread reads then writes, so the JDK streams' shared channel lock never makes them wait for each other.
    try (connection;
        DataInputStream in = new DataInputStream(
            new BufferedInputStream(Channels.newInputStream(connection), BUFFER_SIZE));
        DataOutputStream out = new DataOutputStream(
            new BufferedOutputStream(Channels.newOutputStream(connection), BUFFER_SIZE))) {
      byte[] frame = new byte[256];
      while (true) {
        int length = in.readInt();
        if (length < 0 || length > MAX_FRAME_SIZE) {
          System.err.println("[raw] closing a connection that sent a frame of " + length + " bytes");
          return;
        }
        if (length > frame.length) {
          frame = new byte[length];
        }
        in.readFully(frame, 0, length);
        out.writeInt(length);
        out.write(frame, 0, length);
        if (in.available() == 0) {
          out.flush();
        }
      }
    } catch (EOFException | ClosedChannelException e) {
      // The client hung up, or the server is closing: the normal ends of a connection.
    } catch (IOException e) {
      if (server.isOpen()) {
        System.err.println("[raw] connection failed: " + e);
      }
    } finally {
      connections.remove(connection);
    }
  }

  /** Stops accepting and closes every connection; their threads and the acceptor then end by themselves. */
  @Override
  public void close() throws IOException {
    server.close();
    for (SocketChannel connection : connections) {
      connection.close();
    }
    Files.deleteIfExists(socket);
  }
}
