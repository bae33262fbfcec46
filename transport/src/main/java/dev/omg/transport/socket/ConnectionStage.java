package dev.omg.transport.socket;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * INTERNAL API. One connected, non-blocking socket as a Flow stage: bytes pushed in are written to the socket,
 * bytes read from it come out. Modelled on Pekko's {@code TcpConnectionStage} and Netty's event loop, without
 * Pekko's selector and connection actors between the socket and the stage:
 *
 * <ul>
 *   <li><b>Reads</b> happen on the connection's selector loop, one read per pull, pushed into the stage through
 *       one async callback. While the stage is not pulled, the loop switches the channel's read interest off:
 *       the kernel buffer fills and the peer's writes block (backpressure).
 *   <li><b>Writes</b> happen on the stage's own thread (a selector thread), without a hand-off: an element is
 *       queued and written when the stage has handled what its mailbox already holds, so frames that complete
 *       together go out in one write. When the socket takes only part of it, the rest waits, write interest goes
 *       on, and further elements are queued until {@code writeBufferSize} bytes wait; when the socket is
 *       writable again they go out in one write.
 * </ul>
 *
 * The output completes when the peer shuts its side (half-close: writes go on); the socket closes when the
 * input completes and everything queued is written, or when the stage fails.
 */
final class ConnectionStage extends GraphStage<FlowShape<ByteString, ByteString>> {
  /** Read demand, shared by the stage (which pulls) and the loop (which reads). */
  private static final int DEMAND = 0;
  private static final int NO_DEMAND = 1;
  /** No demand, and read interest is switched off: the next pull must switch it on again. */
  private static final int SUSPENDED = 2;

  private final Inlet<ByteString> in = Inlet.create("UnixConnection.in");
  private final Outlet<ByteString> out = Outlet.create("UnixConnection.out");
  private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
  private final UnixChannel socket;
  private final AFUNIXSocketChannel channel;
  private final SelectorLoop loop;
  private final int writeBufferSize;

  ConnectionStage(UnixChannel socket, int writeBufferSize) {
    this.socket = socket;
    this.channel = socket.channel;
    this.loop = socket.loop;
    this.writeBufferSize = writeBufferSize;
  }

  @Override
  public FlowShape<ByteString, ByteString> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new Logic();
  }

  private final class Logic extends GraphStageLogic implements SelectorLoop.Ready {
    private final AtomicInteger demand = new AtomicInteger(SUSPENDED);
    private final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>();
    private long pendingBytes;
    private boolean writeArmed;
    /** A flush is on its way through the stage's mailbox. */
    private boolean flushAsked;
    private AsyncCallback<Done> flushSoon;
    private AsyncCallback<ByteString> onRead;
    private AsyncCallback<Done> onEndOfInput;
    private AsyncCallback<IOException> onReadFailure;
    private AsyncCallback<Done> onWritable;
    private AsyncCallback<Done> onHangUp;
    /** Set on the loop thread when registered; read there only. */
    private SelectionKey key;

    Logic() {
      super(shape);
      setHandler(out, new AbstractOutHandler() {
        @Override
        public void onPull() {
          if (demand.getAndSet(DEMAND) == SUSPENDED) {
            loop.runOrExecute(Logic.this::enableReads);
          }
        }

        @Override
        public void onDownstreamFinish(Throwable cause) {
          // Nobody reads any more; replies may still be owed, so the socket stays open for writing.
          demand.set(NO_DEMAND);
          if (isClosed(in) && pending.isEmpty()) {
            completeStage();
          }
        }
      });
      setHandler(in, new AbstractInHandler() {
        @Override
        public void onPush() {
          write(grab(in));
        }

        @Override
        public void onUpstreamFinish() {
          if (pending.isEmpty()) {
            completeStage();
          }
        }

        @Override
        public void onUpstreamFailure(Throwable failure) {
          failStage(failure);
        }
      });
    }

    @Override
    public void preStart() {
      // Both ports may close while answers still wait to be written; the stage completes itself once they are.
      setKeepGoing(true);
      onRead = createAsyncCallback(bytes -> push(out, bytes));
      onEndOfInput = createAsyncCallback(done -> complete(out));
      onReadFailure = createAsyncCallback(this::failStage);
      onWritable = createAsyncCallback(done -> flush());
      flushSoon = createAsyncCallback(done -> {
        if (flushAsked && !writeArmed) {
          flush();
        }
      });
      onHangUp = createAsyncCallback(done -> peerHungUp());
      AsyncCallback<Done> onClosedOutside = createAsyncCallback(done -> failStage(
          new IOException("the connection was closed")));
      socket.onClose(() -> onClosedOutside.invoke(Done.getInstance()));
      loop.runOrExecute(this::register);
      pull(in);
    }

    @Override
    public void postStop() {
      socket.onClose(() -> {});
      socket.close();
    }

    // ---- loop thread ----

    private void register() {
      try {
        key = loop.register(channel, demand.get() == DEMAND ? SelectionKey.OP_READ : 0, this);
      } catch (IOException | RuntimeException e) {
        onReadFailure.invoke(e instanceof IOException io ? io : new IOException(e));
      }
    }

    private void enableReads() {
      if (key != null && key.isValid()) {
        key.interestOps(key.interestOps() | SelectionKey.OP_READ);
      }
    }

    private void armWrites() {
      if (key != null && key.isValid()) {
        key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
      }
    }

    @Override
    public void ready(SelectionKey key) {
      int ready = key.readyOps();
      if ((ready & SelectionKey.OP_WRITE) != 0 && (key.interestOps() & SelectionKey.OP_WRITE) != 0) {
        key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
        onWritable.invoke(Done.getInstance());
      }
      if ((ready & SelectionKey.OP_READ) != 0 && key.isValid()
          && (key.interestOps() & SelectionKey.OP_READ) != 0) {
        readReady(key);
      }
    }

    @Override
    public void hungUp(SelectionKey key) {
      onHangUp.invoke(Done.getInstance());
    }

    private void readReady(SelectionKey key) {
      if (!demand.compareAndSet(DEMAND, NO_DEMAND)) {
        key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
        if (!demand.compareAndSet(NO_DEMAND, SUSPENDED)) {
          // The stage pulled in between; it saw no suspension, so reading goes on from here.
          key.interestOps(key.interestOps() | SelectionKey.OP_READ);
        }
        return;
      }
      ByteBuffer buffer = loop.readBuffer();
      buffer.clear();
      int read;
      try {
        read = socket.readReady(buffer);
      } catch (IOException e) {
        key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
        onReadFailure.invoke(e);
        return;
      }
      if (read > 0) {
        buffer.flip();
        byte[] bytes = new byte[read];
        buffer.get(bytes);
        onRead.invoke(ByteString.fromArrayUnsafe(bytes));
      } else if (read == 0) {
        demand.set(DEMAND);
      } else {
        key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
        onEndOfInput.invoke(Done.getInstance());
      }
    }

    // ---- stage thread ----

    /** The peer closed its whole socket: nothing more comes in, and nothing queued can reach it. */
    private void peerHungUp() {
      if (!pending.isEmpty()) {
        failStage(new IOException("the peer closed the connection with " + pendingBytes + " bytes unwritten"));
        return;
      }
      if (!isClosed(out)) {
        complete(out);
      }
    }

    /**
     * Queues {@code bytes} and asks for a flush through the stage's own mailbox: answers that complete meanwhile
     * (a pipelining client's, typically) are queued behind it and go out in the same write, one system call for
     * many frames. While the socket is busy, queuing goes on until {@code writeBufferSize} bytes wait.
     */
    private void write(ByteString bytes) {
      ByteBuffer buffer = bytes.asByteBuffer();
      pending.add(buffer);
      pendingBytes += buffer.remaining();
      if (!writeArmed && !flushAsked) {
        flushAsked = true;
        flushSoon.invoke(Done.getInstance());
      }
      if (pendingBytes < writeBufferSize) {
        pull(in);
      }
    }

    /** Everything queued goes out, merged into one buffer, as far as the socket takes it. */
    private void flush() {
      writeArmed = false;
      flushAsked = false;
      if (pending.size() > 1) {
        ByteBuffer merged = ByteBuffer.allocate((int) pendingBytes);
        pending.forEach(merged::put);
        merged.flip();
        pending.clear();
        pending.add(merged);
      }
      ByteBuffer head = pending.peek();
      if (head != null) {
        int before = head.remaining();
        try {
          writeSome(head);
        } catch (IOException e) {
          failStage(e);
          return;
        }
        pendingBytes -= before - head.remaining();
        if (head.hasRemaining()) {
          writeArmed = true;
          loop.runOrExecute(this::armWrites);
          return;
        }
        pending.poll();
      }
      if (isClosed(in)) {
        completeStage();
      } else if (!hasBeenPulled(in)) {
        pull(in);
      }
    }

    private void writeSome(ByteBuffer buffer) throws IOException {
      while (buffer.hasRemaining() && channel.write(buffer) > 0) {
        // The socket took part of it; offer the rest until it takes nothing.
      }
    }
  }
}
