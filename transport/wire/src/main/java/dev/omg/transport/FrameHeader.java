package dev.omg.transport;

/**
 * INTERNAL API. The 4-byte length header of a frame, without Pekko, so the client can share it. The layout is
 * drawn in the server's {@code Framing}.
 */
public final class FrameHeader {
  /** Offset of the length field. */
  public static final int LENGTH_OFFSET = 0;
  /** Size of the length field, and so the offset of the payload. */
  public static final int LENGTH = 4;
  /** The default maximum payload length N: 1 MiB. */
  public static final int DEFAULT_MAX_FRAME_SIZE = 1 << 20;
  /** The least omg.transport.max-frame-size allowed: room for a hello and an error reply. */
  public static final long MIN_MAX_FRAME_SIZE = 64;
  /** The most omg.transport.max-frame-size allowed: 64 MiB, beyond which one frame would crowd a small heap. */
  public static final long MAX_MAX_FRAME_SIZE = 64L << 20;

  private FrameHeader() {}

  /** Writes {@code payloadLength} big-endian at {@code offset}. */
  public static void write(byte[] buffer, int offset, int payloadLength) {
    buffer[offset + LENGTH_OFFSET] = (byte) (payloadLength >>> 24);
    buffer[offset + LENGTH_OFFSET + 1] = (byte) (payloadLength >>> 16);
    buffer[offset + LENGTH_OFFSET + 2] = (byte) (payloadLength >>> 8);
    buffer[offset + LENGTH_OFFSET + 3] = (byte) payloadLength;
  }

  /** Reads the signed big-endian length at {@code offset}. */
  public static int read(byte[] buffer, int offset) {
    return (buffer[offset + LENGTH_OFFSET] & 0xFF) << 24
        | (buffer[offset + LENGTH_OFFSET + 1] & 0xFF) << 16
        | (buffer[offset + LENGTH_OFFSET + 2] & 0xFF) << 8
        | (buffer[offset + LENGTH_OFFSET + 3] & 0xFF);
  }
}
