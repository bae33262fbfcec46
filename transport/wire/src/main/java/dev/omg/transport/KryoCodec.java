package dev.omg.transport;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.Pool;
import dev.omg.protocol.Envelope;
import dev.omg.transport.WireFormat.ProtocolKryo;
import java.util.Map;

/**
 * INTERNAL API. Turns envelopes into frame payloads and back with Kryo, registration required. Thread-safe:
 * Kryo instances and output buffers come from pools, as Kryo itself is not. Used by both the engine's stream
 * stages and the Pekko-free client, so it must not touch Pekko.
 *
 * <p>This is the boundary where bad input stops: whatever a payload makes the decoder throw, an {@link Error}
 * such as a {@link StackOverflowError} or a {@link LinkageError} included, becomes a
 * {@link MalformedPayloadException} for that frame alone, and whatever an envelope makes the encoder throw becomes
 * an {@link IllegalArgumentException}. Nothing from one frame reaches the stream (or Pekko's fatal-error exit).
 */
public final class KryoCodec {
  private final int maxPayloadSize;
  private final Pool<ProtocolKryo> kryos;
  private final Pool<Output> outputs;

  /** A codec for the standard types plus {@code userTypes} (registration id to class, ids >= 100). */
  public KryoCodec(int maxPayloadSize, Map<Integer, Class<?>> userTypes) {
    if (maxPayloadSize < 1) {
      throw new IllegalArgumentException("maxPayloadSize must be positive, got " + maxPayloadSize);
    }
    userTypes.keySet().forEach(id -> {
      if (id < WireFormat.FIRST_USER_ID) {
        throw new IllegalArgumentException(
            "user type id " + id + " is reserved; ids from " + WireFormat.FIRST_USER_ID + " up are free");
      }
    });
    Map<Integer, Class<?>> types = Map.copyOf(userTypes);
    this.maxPayloadSize = maxPayloadSize;
    this.kryos = new Pool<>(true, false) {
      @Override
      protected ProtocolKryo create() {
        return WireFormat.newKryo(types);
      }
    };
    this.outputs = new Pool<>(true, false) {
      @Override
      protected Output create() {
        return new Output(256, maxPayloadSize + FrameHeader.LENGTH);
      }
    };
  }

  public KryoCodec(int maxPayloadSize) {
    this(maxPayloadSize, Map.of());
  }

  public int maxPayloadSize() {
    return maxPayloadSize;
  }

  /**
   * Encodes one envelope.
   *
   * @throws PayloadTooLargeException when the encoding would exceed the maximum payload size
   * @throws IllegalArgumentException when the envelope holds a type that is not registered
   */
  public byte[] encode(Envelope envelope) {
    return encode(envelope, false);
  }

  /**
   * Encodes one envelope as a whole frame, length header included, in one array: what a blocking writer sends
   * with one system call.
   */
  public byte[] encodeFrame(Envelope envelope) {
    return encode(envelope, true);
  }

  private byte[] encode(Envelope envelope, boolean withHeader) {
    ProtocolKryo kryo = kryos.obtain();
    Output output = outputs.obtain();
    try {
      kryo.startFrame(0);
      output.reset();
      if (withHeader) {
        output.setPosition(FrameHeader.LENGTH);
      }
      kryo.writeClassAndObject(output, envelope);
      int payloadLength = output.position() - (withHeader ? FrameHeader.LENGTH : 0);
      if (payloadLength > maxPayloadSize) {
        throw new PayloadTooLargeException(maxPayloadSize);
      }
      if (withHeader) {
        FrameHeader.write(output.getBuffer(), 0, payloadLength);
      }
      return output.toBytes();
    } catch (PayloadTooLargeException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError | OutOfMemoryError | LinkageError e) {
      if (e instanceof KryoException && e.getMessage() != null && e.getMessage().startsWith("Buffer overflow")) {
        throw new PayloadTooLargeException(maxPayloadSize);
      }
      throw new IllegalArgumentException("cannot encode " + envelope.getClass().getSimpleName() + ": "
          + describe(e), e);
    } finally {
      kryo.reset();
      outputs.free(output);
      kryos.free(kryo);
    }
  }

  /**
   * Decodes one frame payload.
   *
   * @throws MalformedPayloadException when the bytes are not exactly one well-formed envelope; its
   *     {@link MalformedPayloadException#requestId()} is the request's id when the frame was recognisably a request
   */
  public Envelope decode(byte[] payload, int offset, int length) {
    return decodeMeasured(payload, offset, length).envelope();
  }

  /** A decoded envelope, and the heap its decoding was charged: at most the decode budget of its frame. */
  public record Decoded(Envelope envelope, long heapBytes) {}

  /** As {@link #decode(byte[], int, int)}, with the heap the decoded envelope was charged. */
  public Decoded decodeMeasured(byte[] payload, int offset, int length) {
    if (length == 0) {
      throw new MalformedPayloadException(0, "empty frame: a payload holds at least one envelope");
    }
    ProtocolKryo kryo = kryos.obtain();
    try {
      kryo.startFrame(length);
      Input input = new Input(payload, offset, length);
      Object decoded = kryo.readClassAndObject(input);
      if (!(decoded instanceof Envelope envelope)) {
        throw new MalformedPayloadException(requestIdOf(payload, offset, length),
            "expected an envelope (hello, request, stream request, cancel, response or progress), got "
                + (decoded == null ? "null" : decoded.getClass().getSimpleName()));
      }
      int trailing = input.limit() - input.position();
      if (trailing != 0) {
        throw new MalformedPayloadException(requestIdOf(payload, offset, length),
            trailing + " unexpected bytes after the envelope");
      }
      return new Decoded(envelope, kryo.charged());
    } catch (MalformedPayloadException e) {
      throw e;
    } catch (RuntimeException | StackOverflowError | OutOfMemoryError | LinkageError e) {
      // Bounded by the checks before every allocation; this keeps a missed case to one refused frame.
      throw new MalformedPayloadException(requestIdOf(payload, offset, length), describe(e));
    } finally {
      kryo.reset();
      kryos.free(kryo);
    }
  }

  public Envelope decode(byte[] payload) {
    return decode(payload, 0, payload.length);
  }

  /** A request's id sits at a fixed offset right after its one-byte tag, so it is known even when the rest is not. */
  static long requestIdOf(byte[] payload, int offset, int length) {
    int tag = length < 9 ? -1 : payload[offset];
    if (tag != WireFormat.REQUEST + 2 && tag != WireFormat.STREAM_REQUEST + 2 && tag != WireFormat.CANCEL + 2) {
      return 0;
    }
    long id = 0;
    for (int i = 8; i >= 1; i--) {
      id = (id << 8) | (payload[offset + i] & 0xFF);
    }
    return id;
  }

  /** Kryo's own messages first lines; a bare exception or error by its name. */
  private static String describe(Throwable e) {
    String message = e.getMessage();
    if (e instanceof Error || message == null) {
      return e.getClass().getSimpleName() + (message == null ? "" : ": " + firstLine(message));
    }
    return firstLine(message);
  }

  private static String firstLine(String message) {
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
