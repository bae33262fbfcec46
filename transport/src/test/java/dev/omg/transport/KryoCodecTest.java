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
  void rejectsUnknownRegistrationId() {
    // Request id 3, command "x", payload tagged with id 98 (varint 100 = 0x64).
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
        () -> codec.decode(hex("0d 03 00 00 00 00 00 00 00 02 78 64")));
    assertEquals("Encountered unregistered class ID: 98", e.getMessage());
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

  @Test
  void rejectsNestingDeeperThanTheLimit() {
    byte[] encoded = codec.encode(new Request(8, "x", "ok"));
    // 66 nested one-element lists, built by hand because encoding is bounded by the same limit.
    StringBuilder hex = new StringBuilder("0d 08 00 00 00 00 00 00 00 02 78");
    for (int i = 0; i < WireFormat.MAX_DEPTH + 2; i++) {
      hex.append(" 17 01");
    }
    hex.append(" 00");
    MalformedPayloadException e = assertThrows(MalformedPayloadException.class,
        () -> codec.decode(hex(hex.toString())));
    assertEquals(8, e.requestId());
    assertEquals(true, e.getMessage().contains("depth"), e.getMessage());
    assertEquals(Request.class, codec.decode(encoded).getClass());
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
