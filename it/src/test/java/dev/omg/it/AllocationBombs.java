package dev.omg.it;

import dev.omg.transport.FrameHeader;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Whole frames shaped to make a decoder allocate far more than they weigh (issue 10's probes): each is a request
 * whose payload lies about its size or costs the most heap per byte. Used as seeds by the fuzzer and one by one by
 * {@link DecodeLimitsSystemTest}.
 */
final class AllocationBombs {
  private AllocationBombs() {}

  /** Issue 10's 25 bytes: echo, payload tag 01 (Kryo's class by name), a name claiming 2^31-2 characters. */
  static byte[] classNameClaimingGigabytes() {
    return hex("00 00 00 15 0d 05 00 00 00 00 00 00 00 05 65 63 68 6f 01 07 ff ff ff ff 0f");
  }

  /** Tag 01 and name id 1, then {@code className} as Kryo writes an ASCII name (the last byte's high bit set). */
  static byte[] className(long id, String className) {
    ByteArrayOutputStream payload = request(id, "echo");
    payload.write(0x01);
    payload.write(0x01);
    byte[] name = className.getBytes(StandardCharsets.US_ASCII);
    name[name.length - 1] |= (byte) 0x80;
    payload.writeBytes(name);
    return frame(payload.toByteArray());
  }

  /** A string payload whose length claims {@code claimed} bytes, in a frame that holds a few. */
  static byte[] stringClaiming(long id, int claimed) {
    ByteArrayOutputStream payload = request(id, "echo");
    payload.write(0x03);
    writeVarInt(payload, claimed + 1);
    payload.writeBytes("short".getBytes(StandardCharsets.US_ASCII));
    return frame(payload.toByteArray());
  }

  /** {@code levels} nested lists in a frame of {@code frameSize} bytes, each claiming the bytes left after it. */
  static byte[] nestedListsClaimingTheBytesLeft(long id, int levels, int frameSize) {
    ByteArrayOutputStream payload = request(id, "echo");
    for (int level = 0; level < levels; level++) {
      payload.write(0x17);
      writeVarInt(payload, frameSize - payload.size() - 3);
    }
    return frame(java.util.Arrays.copyOf(payload.toByteArray(), frameSize));
  }

  /** A list of empty maps ({@code 18 00} each) filling a frame of {@code frameSize} bytes. */
  static byte[] emptyMapsFilling(long id, String command, int frameSize) {
    ByteArrayOutputStream payload = request(id, command);
    payload.write(0x17);
    int count = (frameSize - payload.size() - 3) / 2;
    writeVarInt(payload, count);
    for (int i = 0; i < count; i++) {
      payload.write(0x18);
      payload.write(0x00);
    }
    return frame(payload.toByteArray());
  }

  /** A Request envelope up to its payload: tag 0d, id as int64 little-endian, the command as a string. */
  private static ByteArrayOutputStream request(long id, String command) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0x0d);
    for (int i = 0; i < 8; i++) {
      out.write((int) (id >>> (8 * i)) & 0xFF);
    }
    byte[] name = command.getBytes(StandardCharsets.UTF_8);
    writeVarInt(out, name.length + 1);
    out.writeBytes(name);
    return out;
  }

  static byte[] frame(byte[] payload) {
    byte[] frame = new byte[FrameHeader.LENGTH + payload.length];
    FrameHeader.write(frame, 0, payload.length);
    System.arraycopy(payload, 0, frame, FrameHeader.LENGTH, payload.length);
    return frame;
  }

  private static void writeVarInt(ByteArrayOutputStream out, int value) {
    while ((value & ~0x7F) != 0) {
      out.write((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out.write(value);
  }

  static byte[] hex(String hex) {
    return java.util.HexFormat.ofDelimiter(" ").parseHex(hex);
  }
}
