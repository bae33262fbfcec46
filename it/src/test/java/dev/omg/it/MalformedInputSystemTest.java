package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.omg.client.EngineClient;
import dev.omg.protocol.Hello;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.transport.FrameHeader;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad input, each against the real jar: the offending connection gets one clear error where one can
 * still be sent and is closed; after each case a new connection is served and a bystander connection that was open
 * all along still answers.
 */
class MalformedInputSystemTest {
  @TempDir
  static Path dir;
  private static EngineProcess engine;
  private static EngineClient bystander;

  @BeforeAll
  static void start() throws Exception {
    engine = EngineProcess.start(dir.resolve("omg"));
    bystander = EngineClient.connect(engine.socket());
  }

  @AfterAll
  static void stop() throws Exception {
    bystander.close();
    // One warning line per case: no stack traces, whatever arrived.
    assertFalse(engine.log().contains("\tat "), "stack trace in the engine log:\n" + engine.log());
    engine.close();
  }

  @AfterEach
  void engineStillServesEveryoneElse() throws Exception {
    assertEquals("still here", bystander.call("echo", "still here").payload(), "the bystander connection");
    try (EngineClient fresh = EngineClient.connect(engine.socket())) {
      assertEquals(Status.OK, fresh.call("ping", null).status(), "a new connection");
    }
  }

  /** Sends {@code bytes} after a hello and returns the engine's one reply, checking it then closed. */
  private static Response afterHello(byte[] bytes) throws Exception {
    try (RawConnection raw = new RawConnection(engine.socket()).hello()) {
      raw.sendBytes(bytes);
      return replyThenClose(raw);
    }
  }

  private static Response replyThenClose(RawConnection raw) throws Exception {
    Response reply = (Response) raw.receive().orElseThrow();
    assertEquals(Optional.empty(), raw.receive(), "the engine closed the connection after " + reply);
    return reply;
  }

  private static byte[] bytes(int... values) {
    byte[] bytes = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      bytes[i] = (byte) values[i];
    }
    return bytes;
  }

  /** A frame around {@code payload}: 4-byte big-endian length, then the bytes. */
  private static byte[] frame(byte[] payload) {
    byte[] frame = new byte[FrameHeader.LENGTH + payload.length];
    FrameHeader.write(frame, 0, payload.length);
    System.arraycopy(payload, 0, frame, FrameHeader.LENGTH, payload.length);
    return frame;
  }

  /** The start of a Request envelope with id 77: tag 0x0d, then the id as int64 little-endian. */
  private static ByteArrayOutputStream requestWithId77() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(bytes(0x0d, 77, 0, 0, 0, 0, 0, 0, 0));
    return out;
  }

  @Test
  void aLengthHeaderOverTheMaximum() throws Exception {
    assertEquals(Response.error(0, Status.PROTOCOL_ERROR,
        "frame length 2147483647 exceeds the maximum of 1048576 bytes"), afterHello(bytes(0x7f, 0xff, 0xff, 0xff)));
  }

  @Test
  void aNegativeLength() throws Exception {
    assertEquals(Response.error(0, Status.PROTOCOL_ERROR, "negative frame length -2 (header fffffffe)"),
        afterHello(bytes(0xff, 0xff, 0xff, 0xfe)));
  }

  @Test
  void aZeroLength() throws Exception {
    assertEquals(Response.error(0, Status.PROTOCOL_ERROR, "malformed payload: empty frame: a payload holds at least one envelope"),
        afterHello(bytes(0, 0, 0, 0)));
  }

  @Test
  void aHeaderCutOffByTheClientClosing() throws Exception {
    try (RawConnection raw = new RawConnection(engine.socket()).hello()) {
      raw.sendBytes(bytes(0, 0));
      raw.shutdownOutput();
      assertEquals(Response.error(0, Status.PROTOCOL_ERROR,
          "connection closed in the middle of a frame: got 2 of 4 bytes"), replyThenClose(raw));
    }
  }

  @Test
  void aBodyCutOffByTheClientClosing() throws Exception {
    try (RawConnection raw = new RawConnection(engine.socket()).hello()) {
      raw.sendBytes(bytes(0, 0, 0, 10, 1, 2, 3));
      raw.shutdownOutput();
      assertEquals(Response.error(0, Status.PROTOCOL_ERROR,
          "connection closed in the middle of a frame: got 7 of 14 bytes"), replyThenClose(raw));
    }
  }

  @Test
  void garbageInsideAValidFrame() throws Exception {
    Response reply = afterHello(frame(bytes(0x42, 0x13, 0x37, 0x00, 0xff)));
    assertEquals(Status.PROTOCOL_ERROR, reply.status());
    assertEquals(0, reply.id(), "no request id can be read from garbage");
    assertEquals("malformed payload: unregistered type id 64 (tag 66)", reply.error());
  }

  @Test
  void aPayloadWithAnUnknownRegistrationIdCarriesTheRequestId() throws Exception {
    ByteArrayOutputStream request = requestWithId77();
    request.writeBytes(bytes(0x05, 0x65, 0x63, 0x68, 0x6f)); // command "echo"
    request.writeBytes(bytes(0x34)); // payload: class id 50, registered by nobody
    assertEquals(Response.error(77, Status.PROTOCOL_ERROR,
        "malformed payload: unregistered type id 50 (tag 52)"), afterHello(frame(request.toByteArray())));
  }

  @Test
  void aStringLengthClaimingGigabytesInsideASmallFrame() throws Exception {
    ByteArrayOutputStream request = requestWithId77();
    request.writeBytes(bytes(0x80, 0x80, 0x80, 0x80, 0x08)); // command: varint 2^31, about 2 GB of UTF-8
    assertEquals(Response.error(77, Status.PROTOCOL_ERROR,
        "malformed payload: string length 2147483647 exceeds the 0 bytes left in the frame"),
        afterHello(frame(request.toByteArray())));
  }

  @Test
  void aCollectionLengthClaimingGigabytesInsideASmallFrame() throws Exception {
    ByteArrayOutputStream request = requestWithId77();
    request.writeBytes(bytes(0x05, 0x65, 0x63, 0x68, 0x6f));
    request.writeBytes(bytes(0x17, 0x80, 0x80, 0x80, 0x80, 0x04)); // a list of 2^30 elements
    assertEquals(Response.error(77, Status.PROTOCOL_ERROR,
        "malformed payload: list length 1073741824 exceeds the 0 bytes left in the frame"),
        afterHello(frame(request.toByteArray())));
  }

  @Test
  void aDeeplyNestedPayload() throws Exception {
    ByteArrayOutputStream request = requestWithId77();
    request.writeBytes(bytes(0x05, 0x65, 0x63, 0x68, 0x6f));
    for (int i = 0; i < 10_000; i++) {
      request.writeBytes(bytes(0x17, 0x01)); // a list of one element: the next list
    }
    request.writeBytes(bytes(0x00));
    assertEquals(Response.error(77, Status.PROTOCOL_ERROR,
        "malformed payload: the payload nests lists and maps deeper than 64 levels"), afterHello(frame(request.toByteArray())));
  }

  @Test
  void aRequestBeforeTheHello() throws Exception {
    try (RawConnection raw = new RawConnection(engine.socket())) {
      raw.send(new Request(5, "ping", null));
      assertEquals(Response.error(5, Status.PROTOCOL_ERROR, "request before hello: send a hello frame first"),
          replyThenClose(raw));
    }
  }

  @Test
  void aSecondHello() throws Exception {
    try (RawConnection raw = new RawConnection(engine.socket()).hello()) {
      raw.send(new Hello(1, "again"));
      assertEquals(Response.error(0, Status.PROTOCOL_ERROR, "second hello on an open connection"),
          replyThenClose(raw));
    }
  }

  @Test
  void aWrongProtocolVersion() throws Exception {
    try (RawConnection raw = new RawConnection(engine.socket())) {
      raw.send(new Hello(2, "future"));
      assertEquals(Response.error(0, Status.VERSION_MISMATCH,
          "client speaks protocol version 2, this engine speaks protocol version 1"), replyThenClose(raw));
    }
  }

  @Test
  void aResponseSentByAClient() throws Exception {
    try (RawConnection raw = new RawConnection(engine.socket()).hello()) {
      raw.send(Response.ok(9, "not yours"));
      assertEquals(Response.error(9, Status.PROTOCOL_ERROR, "clients send requests, not responses"),
          replyThenClose(raw));
    }
  }
}
