package dev.omg.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.omg.protocol.Hello;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KryoCodecTest {
  private final KryoCodec codec = new KryoCodec(1024);

  private static byte[] hex(String hex) {
    return HexFormat.ofDelimiter(" ").parseHex(hex);
  }

  @Test
  void roundTripsEveryEnvelopeKind() {
    assertEquals(new Hello(1, "omg-engine/0.1.0"), codec.decode(codec.encode(new Hello(1, "omg-engine/0.1.0"))));
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("connections", 3L);
    status.put("tags", new ArrayList<>(List.of("a", "é", "日本")));
    status.put("ratio", 0.5);
    status.put("none", null);
    assertEquals(new Request(Long.MAX_VALUE, "status", status),
        codec.decode(codec.encode(new Request(Long.MAX_VALUE, "status", status))));
    Response overloaded = new Response(-5, Status.OVERLOADED, null, "busy", 1500);
    assertEquals(overloaded, codec.decode(codec.encode(overloaded)));
  }

  @Test
  void roundTripsByteArrayPayloads() {
    byte[] bytes = {0, 1, -1, 127, -128};
    Request decoded = (Request) codec.decode(codec.encode(new Request(1, "echo", bytes)));
    assertArrayEquals(bytes, (byte[]) decoded.payload());
  }

  @Test
  void writesAnyListOrMapAsTheStandardTypes() {
    Request decoded = (Request) codec.decode(codec.encode(new Request(1, "call", List.of("x", Map.of("k", 1)))));
    assertEquals(ArrayList.class, decoded.payload().getClass());
    assertEquals(LinkedHashMap.class, ((List<?>) decoded.payload()).get(1).getClass());
  }

  @Test
  void refusesAClassNameTagBeforeAllocating() {
    // Issue 10's 25-byte frame: an echo whose payload is tag 01 (class by name), a name claiming 2^31-2 chars.
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
        () -> codec.decode(hex("0d 05 00 00 00 00 00 00 00 05 65 63 68 6f 01 07 ff ff ff ff 0f")));
    assertEquals("class names are not accepted on the wire (tag 01)", e.getMessage());
    assertEquals(5, e.requestId());
  }

  @Test
  void rejectsUnknownRegistrationId() {
    // Request id 3, command "x", payload tagged with id 98 (varint 100 = 0x64).
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
        () -> codec.decode(hex("0d 03 00 00 00 00 00 00 00 02 78 64")));
    assertEquals("unregistered type id 98 (tag 100)", e.getMessage());
    assertEquals(3, e.requestId());
  }

  @Test
  void rejectsStringLengthLargerThanTheFrameBeforeAllocating() {
    // Command string claiming 0x7ffffffe bytes (varint fe ff ff ff 07) in a 14-byte payload.
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
        () -> codec.decode(hex("0d 04 00 00 00 00 00 00 00 ff ff ff ff 07")));
    assertEquals("string length 2147483646 exceeds the 0 bytes left in the frame", e.getMessage());
    assertEquals(4, e.requestId());
  }

  @Test
  void rejectsListCountLargerThanTheFrameBeforeAllocating() {
    // List payload claiming 0x0fffffff elements with 2 bytes left.
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
        () -> codec.decode(hex("0d 05 00 00 00 00 00 00 00 02 78 17 ff ff ff 7f 00 00")));
    assertEquals("list length 268435455 exceeds the 2 bytes left in the frame", e.getMessage());
  }

  @Test
  void rejectsByteArrayLengthLargerThanTheFrame() {
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
        () -> codec.decode(hex("0d 06 00 00 00 00 00 00 00 02 78 16 80 80 04 01")));
    assertEquals("byte array length 65536 exceeds the 1 bytes left in the frame", e.getMessage());
  }

  private static String nestedLists(int levels) {
    StringBuilder hex = new StringBuilder("0d 08 00 00 00 00 00 00 00 02 78");
    for (int i = 0; i < levels; i++) {
      hex.append(" 17 01");
    }
    return hex.append(" 00").toString();
  }

  @Test
  void acceptsListsNestedToTheLimit() {
    Object payload = ((Request) codec.decode(hex(nestedLists(WireFormat.MAX_DEPTH)))).payload();
    int levels = 0;
    for (Object value = payload; value instanceof List<?> list; value = list.get(0)) {
      levels++;
    }
    assertEquals(WireFormat.MAX_DEPTH, levels);
  }

  @Test
  void rejectsNestingDeeperThanTheLimit() {
    // Built by hand because encoding is bounded by the same limit.
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
        () -> codec.decode(hex(nestedLists(WireFormat.MAX_DEPTH + 1))));
    assertEquals(8, e.requestId());
    assertEquals("the payload nests lists and maps deeper than 64 levels", e.getMessage());
    assertEquals(Request.class, codec.decode(codec.encode(new Request(8, "x", "ok"))).getClass());
  }

  @Test
  void refusesToEncodeNestingDeeperThanTheLimit() {
    Object payload = "leaf";
    for (int i = 0; i <= WireFormat.MAX_DEPTH; i++) {
      payload = List.of(payload);
    }
    Response reply = Response.ok(1, payload);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> codec.encode(reply));
    assertEquals("cannot encode Response: the payload nests lists and maps deeper than 64 levels", e.getMessage());
  }

  @Test
  void refusesAClassNameOfALoadableClass() {
    // Tag 01, name id 1, then Kryo's ASCII name "java.util.LinkedList" (last byte's high bit set).
    StringBuilder hex = new StringBuilder("0d 09 00 00 00 00 00 00 00 02 78 01 01");
    byte[] name = "java.util.LinkedList".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    name[name.length - 1] |= (byte) 0x80;
    for (byte b : name) {
      hex.append(String.format(" %02x", b));
    }
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
        () -> codec.decode(hex(hex.toString())));
    assertEquals("class names are not accepted on the wire (tag 01)", e.getMessage());
  }

  @Test
  void aClassNameIdFromAnEarlierFrameResolvesToNothing() {
    // Kryo's resolver would cache name id 1 from the first frame and resolve "01 01" to it in the next.
    assertThrows(MalformedPayloadException.class, () -> codec.decode(hex("0d 09 00 00 00 00 00 00 00 02 78 01 01"
        + " 6a 61 76 61 2e 75 74 69 6c 2e 4c 69 6e 6b 65 64 4c 69 73 f4")));
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
        () -> codec.decode(hex("0d 0a 00 00 00 00 00 00 00 02 78 01 01")));
    assertEquals("class names are not accepted on the wire (tag 01)", e.getMessage());
  }

  @Test
  void rejectsAnIntWhoseVarintHoldsMoreThan32Bits() {
    // Zigzag varint 2^32: five bytes, the fifth holding bit 32. Kryo alone reads it as 0.
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
        () -> codec.decode(hex("0d 0a 00 00 00 00 00 00 00 02 78 02 80 80 80 80 10")));
    assertEquals("int: the varint holds more than 32 bits", e.getMessage());
    assertEquals(10, e.requestId());
  }

  @Test
  void roundTripsTheExtremeIntsAndLongs() {
    List<Object> values = List.of(Integer.MIN_VALUE, Integer.MAX_VALUE, -1, Long.MIN_VALUE, Long.MAX_VALUE,
        1L << 62, -(1L << 62));
    assertEquals(new Request(1, "echo", values), codec.decode(codec.encode(new Request(1, "echo", values))));
  }

  @Test
  void rejectsInvalidUtf8InAString() {
    // c3 28: a two-byte sequence whose second byte is not a continuation byte.
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
        () -> codec.decode(hex("0d 0b 00 00 00 00 00 00 00 02 78 03 04 61 c3 28")));
    assertEquals("string is not valid UTF-8: a malformed sequence at byte 1 of 3", e.getMessage());
  }

  @Test
  void rejectsAnEnvelopeInsideAValue() {
    // A request whose payload is a Cancel (tag 10): envelopes exist only at the top of a frame.
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
        () -> codec.decode(hex("0d 0d 00 00 00 00 00 00 00 02 78 10 03 00 00 00 00 00 00 00")));
    assertEquals("an envelope (Cancel, tag 10) is not a value", e.getMessage());
    assertEquals(13, e.requestId());
  }

  @Test
  void rejectsABooleanByteOtherThanZeroOrOne() {
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
        () -> codec.decode(hex("0d 0c 00 00 00 00 00 00 00 02 78 05 02")));
    assertEquals("boolean byte 2 is neither 00 nor 01", e.getMessage());
  }

  @Test
  void rejectsNestedListsThatEachClaimTheBytesLeft() {
    // Issue 10's shape: each list claims as many elements as bytes follow it, so pre-sizing them all would cost
    // 4 bytes per claimed element per level; the budget refuses the frame at the level that would exceed it.
    int frame = 1 << 20;
    byte[] payload = new byte[frame];
    byte[] head = hex("0d 0d 00 00 00 00 00 00 00 02 78");
    System.arraycopy(head, 0, payload, 0, head.length);
    int at = head.length;
    for (int level = 0; level < 63; level++) {
      payload[at++] = 0x17;
      at = writeVarInt(payload, at, frame - at - 3);
    }
    KryoCodec big = new KryoCodec(frame);
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class, () -> big.decode(payload));
    assertEquals("the payload would decode to more than 41943040 bytes of heap, the decode budget of 40 x the"
        + " frame's 1048576 bytes", e.getMessage());
    assertEquals(13, e.requestId());
  }

  private static int writeVarInt(byte[] into, int at, int value) {
    while ((value & ~0x7F) != 0) {
      into[at++] = (byte) ((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    into[at++] = (byte) value;
    return at;
  }

  @Test
  void turnsAnErrorThrownWhileDecodingIntoAMalformedFrame() {
    KryoCodec withUserType = new KryoCodec(1024, Map.of(100, Unbuildable.class));
    // Tag 0x66 = user type 100, whose constructor throws an Error, as a class with a missing dependency would.
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
        () -> withUserType.decode(hex("0d 0e 00 00 00 00 00 00 00 02 78 66")));
    assertEquals(14, e.requestId());
    assertEquals(true, e.getMessage().contains("NoClassDefFoundError"), e.getMessage());
  }

  @Test
  void turnsAnErrorThrownWhileEncodingIntoAnEncodingFailure() {
    List<Object> exploding = new java.util.AbstractList<>() {
      @Override
      public Object get(int index) {
        throw new StackOverflowError("deep");
      }

      @Override
      public int size() {
        return 1;
      }
    };
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> codec.encode(Response.ok(1, exploding)));
    assertEquals("cannot encode Response: StackOverflowError: deep", e.getMessage());
  }

  /** A user type that cannot be built, standing in for a class whose dependencies are missing. */
  public static final class Unbuildable {
    public Unbuildable() {
      throw new NoClassDefFoundError("ch/qos/logback/missing/Dependency");
    }
  }

  @Test
  void rejectsTrailingBytesAfterTheEnvelope() {
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
        () -> codec.decode(hex("0c 01 00 ff ff")));
    assertEquals("2 unexpected bytes after the envelope", e.getMessage());
  }

  @Test
  void rejectsEmptyPayload() {
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class, () -> codec.decode(new byte[0]));
    assertEquals("empty frame: a payload holds at least one envelope", e.getMessage());
  }

  @Test
  void rejectsAPayloadThatIsNotAnEnvelope() {
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
        () -> codec.decode(hex("03 03 68 69")));
    assertEquals("expected an envelope (hello, request, stream request, cancel, response or progress), got String", e.getMessage());
  }

  @Test
  void refusesToEncodeMoreThanTheMaximumPayload() {
    PayloadTooLargeException e = assertThrows(PayloadTooLargeException.class,
        () -> codec.encode(Response.ok(1, new byte[2000])));
    assertEquals("encoded payload exceeds the maximum frame size of 1024 bytes", e.getMessage());
  }

  @Test
  void refusesToEncodeAnUnregisteredType() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> codec.encode(Response.ok(1, new StringBuilder("x"))));
    assertEquals(true, e.getMessage().startsWith("cannot encode Response: Class is not registered: "
        + "java.lang.StringBuilder"), e.getMessage());
  }

  @Test
  void refusesUserTypeIdsBelowTheUserRange() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new KryoCodec(1024, Map.of(99, StringBuilder.class)));
    assertEquals("user type id 99 is reserved; ids from 100 up are free", e.getMessage());
  }

  @Test
  void encodesWholeFramesWithTheLengthHeader() {
    byte[] frame = codec.encodeFrame(new Hello(1, "x"));
    byte[] payload = codec.encode(new Hello(1, "x"));
    assertEquals(payload.length, FrameHeader.read(frame, 0));
    assertArrayEquals(payload, java.util.Arrays.copyOfRange(frame, FrameHeader.LENGTH, frame.length));
  }
}
