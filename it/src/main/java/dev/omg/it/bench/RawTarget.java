package dev.omg.it.bench;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/** The hand-written JDK echo server in this JVM, and a client that speaks its framing. */
final class RawTarget implements EchoTarget {
  private final RawEchoServer server;

  private RawTarget(RawEchoServer server) {
    this.server = server;
  }

  static RawTarget start(Path directory) throws IOException {
    return new RawTarget(RawEchoServer.start(directory.resolve("raw").resolve("raw.sock")));
  }

  @Override
  public String name() {
    return "raw";
  }

  @Override
  public BlockingEcho openBlocking() throws IOException {
    RawEchoClient client = new RawEchoClient(server.socket());
    return new BlockingEcho() {
      @Override
      public int call(byte[] payload) throws IOException {
        client.write(payload);
        return client.readFrame();
      }

      @Override
      public void close() throws IOException {
        client.close();
      }
    };
  }

  @Override
  public PipelinedEcho openPipelined() throws IOException {
    RawEchoClient client = new RawEchoClient(server.socket());
    client.startReader();
    return client;
  }

  @Override
  public void close() throws IOException {
    server.close();
  }

  /**
   * A framing client over a JDK socket channel. Pipelined, a reader thread pairs replies with requests in order,
   * as the raw server answers in order.
   */
  static final class RawEchoClient implements PipelinedEcho {
    private final SocketChannel channel;
    private final DataInputStream in;
    private final Queue<Completion> pending = new ConcurrentLinkedQueue<>();
    private final Object writeLock = new Object();
    private byte[] frame = new byte[256];
    private volatile IOException failure;

    RawEchoClient(Path socket) throws IOException {
      channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
      in = new DataInputStream(new BufferedInputStream(new ChannelReader(channel), RawEchoServer.BUFFER_SIZE));
    }

    void startReader() {
      Thread reader = new Thread(this::readLoop, "raw-client-reader");
      reader.setDaemon(true);
      reader.start();
    }

    /** Writes one frame, header and payload, with one system call. */
    void write(byte[] payload) throws IOException {
      ByteBuffer buffer = ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).flip();
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    }

    /** Reads one frame and returns its length. */
    int readFrame() throws IOException {
      int length = in.readInt();
      if (length < 0 || length > RawEchoServer.MAX_FRAME_SIZE) {
        throw new IOException("raw server sent a frame of " + length + " bytes");
      }
      if (length > frame.length) {
        frame = new byte[length];
      }
      in.readFully(frame, 0, length);
      return length;
    }

    @Override
    public void send(byte[] payload, Completion done) {
      IOException failed = failure;
      if (failed != null) {
        done.complete(0, failed);
        return;
      }
      // Queue order must be wire order, so enqueue and write are one step.
      synchronized (writeLock) {
        pending.add(done);
        try {
          write(payload);
        } catch (IOException e) {
          fail(e);
        }
      }
      if (failure != null) {
        failPending();
      }
    }

    private void readLoop() {
      try {
        while (true) {
          int length = readFrame();
          Completion done = pending.poll();
          if (done == null) {
            throw new IOException("raw server sent a reply to no request");
          }
          done.complete(length, null);
        }
      } catch (IOException e) {
        fail(e);
      }
    }

    private void fail(IOException reason) {
      if (failure == null) {
        failure = reason;
      }
      try {
        channel.close();
      } catch (IOException e) {
        // Already failing; the first reason is the one worth reporting.
      }
      failPending();
    }

    private void failPending() {
      Completion done;
      while ((done = pending.poll()) != null) {
        done.complete(0, failure);
      }
    }

    @Override
    public void close() throws IOException {
      fail(new IOException("connection closed"));
    }
  }

  /**
   * Reads straight from the channel. JDK 17's {@code Channels.newInputStream} holds the channel's blocking lock
   * while it waits for input, which would stall the writer thread of a pipelined connection; the channel's own
   * read and write do not block each other.
   */
  private static final class ChannelReader extends InputStream {
    private final SocketChannel channel;

    ChannelReader(SocketChannel channel) {
      this.channel = channel;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      return channel.read(ByteBuffer.wrap(buffer, offset, length));
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xFF;
    }
  }
}
