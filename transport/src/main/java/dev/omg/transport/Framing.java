package dev.omg.transport;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
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
 * buffered. A stream that ends inside a frame fails with {@link TruncatedFrameException}.
 */
public final class Framing {
  private static final int HEADER_LENGTH = FrameHeader.LENGTH;

  private Framing() {}

  /**
   * The framing layer as a BidiFlow: top, payloads out to framed bytes; bottom, bytes in to payloads. Stack a codec
   * on it with {@code codec.atop(Framing.bidi(max))}.
   */
  public static BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> bidi(int maxFrameSize) {
    return BidiFlow.fromFlows(encoder(maxFrameSize), decoder(maxFrameSize));
  }

  /** Prepends the length header to each payload; a payload over the maximum fails the stream. */
  public static Flow<ByteString, ByteString, NotUsed> encoder(int maxFrameSize) {
    return Flow.of(ByteString.class).map(payload -> frame(payload, maxFrameSize));
  }

  /** Splits a byte stream into payloads, whatever the chunking of the input. */
  public static Flow<ByteString, ByteString, NotUsed> decoder(int maxFrameSize) {
    return Flow.fromGraph(new Decoder(maxFrameSize));
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

    Decoder(int maxFrameSize) {
      this.maxFrameSize = maxFrameSize;
    }

    @Override
    public FlowShape<ByteString, ByteString> shape() {
      return shape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
      return new GraphStageLogic(shape) {
        private ByteString buffer = ByteString.emptyByteString();
        /** Length of the frame being assembled, or -1 while its header is incomplete. */
        private int expected = -1;

        {
          setHandler(in, new AbstractInHandler() {
            @Override
            public void onPush() {
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
          if (expected >= 0 && buffer.size() >= HEADER_LENGTH + expected) {
            ByteString payload = buffer.slice(HEADER_LENGTH, HEADER_LENGTH + expected);
            buffer = buffer.drop(HEADER_LENGTH + expected);
            expected = -1;
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
            pull(in);
          }
        }
      };
    }
  }

  private static String hex(ByteString bytes) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < bytes.size(); i++) {
      sb.append(String.format("%02x", bytes.apply(i) & 0xFF));
    }
    return sb.toString();
  }
}
