package dev.omg.transport;

import java.time.Duration;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * INTERNAL API. Length-delimited framing, the bottom of the transport stack.
 *
 * <pre>
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Length N (int32, big-endian)                 |
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * |                  Payload (N bytes, Kryo envelope)           ...
 * +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 * </pre>
 *
 * <p>N counts the payload only. 0 &lt;= N &lt;= max frame size; a negative N is a {@link CorruptedFrameException},
 * a larger one a {@link FrameTooLongException}, both raised from the header alone, before any payload byte is
 * buffered. A stream that ends inside a frame fails with {@link TruncatedFrameException}, and one that stalls
 * inside a frame (no byte for the frame idle timeout) with {@link FrameTimeoutException}.
 */
public final class Framing {
  private static final int HEADER_LENGTH = FrameHeader.LENGTH;
  /** A frame may take forever: for tests and trusted byte sources. */
  public static final Duration NO_TIMEOUT = Duration.ZERO;

  private Framing() {}

  /**
   * The framing layer as a BidiFlow: top, payloads out to framed bytes; bottom, bytes in to payloads. Stack a codec
   * on it with {@code codec.atop(Framing.bidi(max))}.
   */
  public static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> bidi(int maxFrameSize) {
    return bidi(maxFrameSize, NO_TIMEOUT);
  }

  /** As {@link #bidi(int)}, failing when a frame is begun and no further byte comes for {@code frameTimeout}. */
  public static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> bidi(int maxFrameSize,
      Duration frameTimeout) {
    return bidi(maxFrameSize, frameTimeout, null);
  }

  /**
   * As {@link #bidi(int, Duration)}, taking {@link #weight} bytes of {@code budget} for each frame before its payload
   * is buffered; when the budget has none left, the decoder stops reading until bytes are given back. Whoever
   * consumes a payload gives its weight back once it is done with it. A null budget takes nothing.
   */
  public static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> bidi(int maxFrameSize,
      Duration frameTimeout, ConnectionBudget budget) {
    return BidiFlow.fromFlows(encoder(maxFrameSize), Flow.fromGraph(new Decoder(maxFrameSize, frameTimeout, budget)));
  }

  /** What a frame of {@code payloadLength} bytes counts against a budget: its payload, plus the envelope's objects. */
  public static long weight(int payloadLength) {
    return payloadLength + FRAME_OVERHEAD;
  }

  /** An allowance for the objects every decoded envelope holds, so that a flood of tiny frames is bounded too. */
  static final int FRAME_OVERHEAD = 64;

  /** Prepends the length header to each payload; a payload over the maximum fails the stream. */
  public static Flow<ByteString, ByteString, NotUsed> encoder(int maxFrameSize) {
    return Flow.of(ByteString.class).map(payload -> frame(payload, maxFrameSize));
  }

  /** Splits a byte stream into payloads, whatever the chunking of the input. */
  public static Flow<ByteString, ByteString, NotUsed> decoder(int maxFrameSize) {
    return decoder(maxFrameSize, NO_TIMEOUT);
  }

  /** As {@link #decoder(int)}, failing with {@link FrameTimeoutException} on a frame left unfinished. */
  public static Flow<ByteString, ByteString, NotUsed> decoder(int maxFrameSize, Duration frameTimeout) {
    return Flow.fromGraph(new Decoder(maxFrameSize, frameTimeout, null));
  }

  /** One framed payload. */
  public static ByteString frame(ByteString payload, int maxFrameSize) {
    int length = payload.size();
    if (length > maxFrameSize) {
      throw new FrameTooLongException(length, maxFrameSize);
    }
    return header(length).concat(payload);
  }

  static ByteString header(int length) {
    byte[] header = new byte[HEADER_LENGTH];
    FrameHeader.write(header, 0, length);
    return ByteString.fromArrayUnsafe(header);
  }

  static int readLength(ByteString buffer) {
    return FrameHeader.read(buffer.take(HEADER_LENGTH).toArrayUnsafe(), 0);
  }

  private static final class Decoder extends GraphStage<FlowShape<ByteString, ByteString>> {
    private final Inlet<ByteString> in = Inlet.create("Framing.decoder.in");
    private final Outlet<ByteString> out = Outlet.create("Framing.decoder.out");
    private final FlowShape<ByteString, ByteString> shape = FlowShape.of(in, out);
    private final int maxFrameSize;
    private final Duration frameTimeout;
    private final ConnectionBudget budget;

    Decoder(int maxFrameSize, Duration frameTimeout, ConnectionBudget budget) {
      this.maxFrameSize = maxFrameSize;
      this.frameTimeout = frameTimeout;
      this.budget = budget;
    }

    @Override
    public FlowShape<ByteString, ByteString> shape() {
      return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
      return new TimerGraphStageLogic(shape) {
        private ByteString buffer = ByteString.emptyByteString();
        /** Length of the frame being assembled, or -1 while its header is incomplete. */
        private int expected = -1;
        /** Whether the frame being assembled has taken its weight from the budget. */
        private boolean taken;
        private final AsyncCallback<Done> budgetFreed = createAsyncCallback(done -> {
          if (isAvailable(out)) {
            emitOrPull();
          }
        });
        private final Runnable wakeWhenFreed = () -> budgetFreed.invoke(Done.getInstance());

        {
          setHandler(in, new AbstractInHandler() {
            @Override
            public void onPush() {
              cancelTimer(FRAME_TIMER);
              buffer = buffer.concat(grab(in));
              emitOrPull();
            }

            @Override
            public void onUpstreamFinish() {
              if (buffer.isEmpty()) {
                completeStage();
              } else if (isAvailable(out)) {
                emitOrPull();
              }
              // else: onPull will emit what is buffered, then finish or fail.
            }
          });
          setHandler(out, new AbstractOutHandler() {
            @Override
            public void onPull() {
              emitOrPull();
            }
          });
        }

        @Override
        public void onTimer(Object key) {
          failStage(new FrameTimeoutException(frameTimeout, buffer.size(),
              expected < 0 ? HEADER_LENGTH : HEADER_LENGTH + (long) expected));
        }

        /**
         * The clock runs only while part of a frame is buffered and the decoder waits for the rest: an idle
         * connection between frames, and a backpressured one, are never timed out.
         */
        private void awaitRestOfFrame() {
          if (!frameTimeout.isZero() && !buffer.isEmpty()) {
            scheduleOnce(FRAME_TIMER, frameTimeout);
          }
        }

        private void emitOrPull() {
          if (expected < 0 && buffer.size() >= HEADER_LENGTH) {
            int length = readLength(buffer);
            if (length < 0) {
              failStage(new CorruptedFrameException(
                  "negative frame length " + length + " (header " + hex(buffer.take(HEADER_LENGTH)) + ")"));
              return;
            }
            if (length > maxFrameSize) {
              failStage(new FrameTooLongException(Integer.toUnsignedLong(length), maxFrameSize));
              return;
            }
            expected = length;
          }
          if (expected >= 0 && !taken) {
            if (budget != null && !budget.tryTake(weight(expected), wakeWhenFreed)) {
              return;
            }
            taken = true;
          }
          if (expected >= 0 && buffer.size() >= HEADER_LENGTH + expected) {
            ByteString payload = buffer.slice(HEADER_LENGTH, HEADER_LENGTH + expected);
            buffer = buffer.drop(HEADER_LENGTH + expected);
            expected = -1;
            taken = false;
            if (buffer.isEmpty()) {
              buffer = ByteString.emptyByteString();
            }
            push(out, payload.compact());
            return;
          }
          if (isClosed(in)) {
            if (buffer.isEmpty()) {
              completeStage();
            } else {
              failStage(new TruncatedFrameException(buffer.size(),
                  expected < 0 ? HEADER_LENGTH : HEADER_LENGTH + (long) expected));
            }
          } else if (!hasBeenPulled(in)) {
            awaitRestOfFrame();
            pull(in);
          }
        }
      };
    }
  }

  private static final String FRAME_TIMER = "frame-timeout";

  private static String hex(ByteString bytes) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < bytes.size(); i++) {
      sb.append(String.format("%02x", bytes.apply(i) & 0xFF));
    }
    return sb.toString();
  }
}
