package dev.omg.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.protocol.Envelope;
import dev.omg.protocol.Request;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;
import org.openjdk.jol.info.GraphLayout;

/**
 * docs/reliability.md's promise, measured: a frame of N bytes decodes to at most {@code DECODE_BUDGET_FACTOR * N}
 * bytes of heap. Each test fills a 256 KiB frame with one of the shapes that cost the most heap per wire byte and
 * weighs what the decoder built (JOL walks the object graph; object headers included).
 */
class DecodeBudgetTest {
  private static final int FRAME = 1 << 18;

  static {
    // JOL reads fields of java.base classes without --add-opens this way; set before its first use.
    System.setProperty("jol.magicFieldOffset", "true");
  }

  private final KryoCodec codec = new KryoCodec(FRAME);

  @Test
  void aFrameOfEmptyMapsDecodesWithinTheBudget() {
    assertWithinBudget(fill(out -> out.write(new byte[] {0x18, 0x00}, 0, 2)), 131_064);
  }

  @Test
  void aFrameOfOneCharacterStringsDecodesWithinTheBudget() {
    assertWithinBudget(fill(out -> out.write(new byte[] {0x03, 0x02, 0x61}, 0, 3)), 87_376);
  }

  @Test
  void aFrameOfEmptyListsDecodesWithinTheBudget() {
    assertWithinBudget(fill(out -> out.write(new byte[] {0x17, 0x00}, 0, 2)), 131_064);
  }

  @Test
  void aFrameOfLongsDecodesWithinTheBudget() {
    assertWithinBudget(fill(out -> out.write(new byte[] {0x09, (byte) 0x80, 0x02}, 0, 3)), 87_376);
  }

  @Test
  void aFrameOfEmptyByteArraysDecodesWithinTheBudget() {
    assertWithinBudget(fill(out -> out.write(new byte[] {0x16, 0x00}, 0, 2)), 131_064);
  }

  /** A request whose payload is one list filling the frame with {@code element} written as often as it fits. */
  private static byte[] fill(IntConsumerOut element) {
    ByteArrayOutputStream one = new ByteArrayOutputStream();
    element.write(one);
    int size = one.size();
    byte[] head = {0x0d, 1, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x78, 0x17};
    int count = (FRAME - head.length - 3) / size;
    ByteArrayOutputStream frame = new ByteArrayOutputStream(FRAME);
    frame.write(head, 0, head.length);
    writeVarInt(frame::write, count);
    for (int i = 0; i < count; i++) {
      element.write(frame);
    }
    return frame.toByteArray();
  }

  private void assertWithinBudget(byte[] payload, int expectedElements) {
    Envelope decoded = codec.decode(payload);
    assertEquals(expectedElements, ((List<?>) ((Request) decoded).payload()).size());
    long retained = GraphLayout.parseInstance(decoded).totalSize();
    long budget = (long) WireFormat.DECODE_BUDGET_FACTOR * payload.length;
    System.out.printf("%d-byte frame decoded to %d bytes of heap (%.1f x; budget %d x)%n", payload.length,
        retained, (double) retained / payload.length, WireFormat.DECODE_BUDGET_FACTOR);
    assertTrue(retained <= budget, "retained " + retained + " bytes, budget " + budget);
  }

  private static void writeVarInt(IntConsumer out, int value) {
    while ((value & ~0x7F) != 0) {
      out.accept((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out.accept(value);
  }

  @FunctionalInterface
  private interface IntConsumerOut {
    void write(ByteArrayOutputStream out);
  }
}
