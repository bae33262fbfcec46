package dev.omg.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.protocol.Cancel;
import dev.omg.protocol.Envelope;
import dev.omg.protocol.Hello;
import dev.omg.protocol.Progress;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.protocol.StreamRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hex vectors in docs/protocol.md are what the real codec writes and reads. */
class ProtocolVectorsTest {
  private static final Pattern VECTOR = Pattern.compile("```hex vector=(\\S+)\\n([0-9a-f ]+)\\n```");
  private static final Map<String, Envelope> EXPECTED = Map.ofEntries(
      Map.entry("hello", new Hello(1, "cli/1")),
      Map.entry("request-echo", new Request(7, "echo", "hi")),
      Map.entry("response-ok", Response.ok(7, "hi")),
      Map.entry("response-error", Response.error(9, Status.UNKNOWN_COMMAND, "no")),
      Map.entry("request-list", new Request(8, "call", List.of("a", 5L))),
      Map.entry("request-map", new Request(2, "x", new LinkedHashMap<>(Map.of("k", true)))),
      Map.entry("request-bytes", new Request(1, "x", new byte[] {1, 2})),
      Map.entry("response-overloaded", new Response(5, Status.OVERLOADED, null, "busy", 250)),
      Map.entry("request-stop", new Request(1, "stop", null)),
      Map.entry("stream-request", new StreamRequest(3, "install", "ada")),
      Map.entry("progress-map", new Progress(3, 1, progressMap())),
      Map.entry("progress-string", new Progress(3, 2, "fetching")),
      Map.entry("cancel", new Cancel(3)),
      Map.entry("response-cancelled", Response.error(3, Status.CANCELLED, "cancelled")));

  private static Map<String, Object> progressMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("done", 1);
    map.put("total", 4);
    return map;
  }

  private final KryoCodec codec = new KryoCodec(FrameHeader.DEFAULT_MAX_FRAME_SIZE);

  @Test
  void everyDocumentedVectorIsWhatTheCodecWritesAndReads() throws IOException {
    Map<String, byte[]> vectors = documentedVectors();
    assertEquals(EXPECTED.keySet(), vectors.keySet(), "vectors in docs/protocol.md");
    vectors.forEach((name, frame) -> {
      Envelope envelope = EXPECTED.get(name);
      assertEquals(HexFormat.ofDelimiter(" ").formatHex(frame),
          HexFormat.ofDelimiter(" ").formatHex(codec.encodeFrame(envelope)), name + " encodes as documented");
      int length = FrameHeader.read(frame, 0);
      assertEquals(frame.length - FrameHeader.LENGTH, length, name + " length header");
      assertEnvelopeEquals(envelope, codec.decode(frame, FrameHeader.LENGTH, length), name);
    });
  }

  private static void assertEnvelopeEquals(Envelope expected, Envelope actual, String name) {
    if (expected instanceof Request request && request.payload() instanceof byte[] bytes) {
      Request decoded = (Request) actual;
      assertEquals(request.id(), decoded.id(), name);
      assertTrue(Arrays.equals(bytes, (byte[]) decoded.payload()), name + " payload");
      return;
    }
    assertEquals(expected, actual, name + " decodes as documented");
  }

  private static Map<String, byte[]> documentedVectors() throws IOException {
    Path doc = Path.of("..", "docs", "protocol.md");
    Matcher matcher = VECTOR.matcher(Files.readString(doc, StandardCharsets.UTF_8));
    Map<String, byte[]> vectors = new LinkedHashMap<>();
    while (matcher.find()) {
      vectors.put(matcher.group(1), HexFormat.ofDelimiter(" ").parseHex(matcher.group(2).trim()));
    }
    return vectors;
  }
}
