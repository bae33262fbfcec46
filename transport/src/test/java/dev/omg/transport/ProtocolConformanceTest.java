package dev.omg.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.omg.protocol.Cancel;
import dev.omg.protocol.Envelope;
import dev.omg.protocol.Hello;
import dev.omg.protocol.Progress;
import dev.omg.protocol.ProtocolVersion;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.protocol.StreamRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * docs/protocol-vectors.json against the real codec and connection flow: every vector decodes to its envelope and
 * encodes to its bytes, every malformed case gets exactly its answers and closes the connection, and every hex
 * block in docs/protocol.md is the file's.
 */
class ProtocolConformanceTest {
  private static final Path VECTORS = Path.of("..", "docs", "protocol-vectors.json");
  private static final Path DOC = Path.of("..", "docs", "protocol.md");
  private static final Pattern DOC_BLOCK = Pattern.compile("```hex (vector|malformed)=(\\S+)\\n([0-9a-f \\n]+)\\n```");
  private static final HexFormat HEX = HexFormat.ofDelimiter(" ");
  private static ActorSystem system;
  private final KryoCodec codec = new KryoCodec(FrameHeader.DEFAULT_MAX_FRAME_SIZE);

  @BeforeAll
  static void start() {
    system = ActorSystem.create("ProtocolConformanceTest");
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  private static JsonNode file() throws IOException {
    return new ObjectMapper().readTree(Files.readString(VECTORS, StandardCharsets.UTF_8));
  }

  private static Stream<JsonNode> entries(String section) throws IOException {
    List<JsonNode> entries = new ArrayList<>();
    file().get(section).forEach(entries::add);
    return entries.stream();
  }

  @Test
  void statusTableListsEveryStatusWithItsWireCode() throws IOException {
    Map<String, Integer> listed = new LinkedHashMap<>();
    file().get("statuses").fields().forEachRemaining(e -> listed.put(e.getKey(), e.getValue().asInt()));
    Map<String, Integer> codes = new LinkedHashMap<>();
    for (Status status : Status.values()) {
      if (status != Status.UNKNOWN) {
        codes.put(status.name(), status.code());
      }
    }
    assertEquals(codes, listed);
  }

  @TestFactory
  Stream<DynamicTest> everyVectorIsWhatTheCodecReadsAndWrites() throws IOException {
    return entries("vectors").map(vector -> dynamicTest(vector.get("name").asText(), () -> {
      byte[] frame = HEX.parseHex(vector.get("hex").asText());
      Envelope expected = envelope(vector.get("envelope"));
      int length = FrameHeader.read(frame, 0);
      assertEquals(frame.length - FrameHeader.LENGTH, length, "length header");
      assertEquals(canonical(expected), canonical(codec.decode(frame, FrameHeader.LENGTH, length)), "decodes as");
      if (!vector.path("decode_only").asBoolean(false)) {
        assertEquals(HEX.formatHex(frame), HEX.formatHex(codec.encodeFrame(expected)), "encodes as");
      }
    }));
  }

  @TestFactory
  Stream<DynamicTest> everyMalformedCaseGetsItsAnswersAndClosesTheConnection() throws IOException {
    return entries("malformed").map(entry -> dynamicTest(entry.get("name").asText(), () -> {
      boolean afterHello = entry.get("after_hello").asBoolean();
      ByteString input = ByteString.fromArray(HEX.parseHex(entry.get("send").asText()));
      if (afterHello) {
        input = ByteString.fromArray(codec.encodeFrame(new Hello(ProtocolVersion.CURRENT, "conformance")))
            .concat(input);
      }
      List<Object> expected = new ArrayList<>();
      entry.get("answers").forEach(answer -> expected.add(canonical(envelope(answer))));
      assertTrue(entry.get("closes").asBoolean(), "every malformed case closes");
      ByteString output;
      try {
        // The client's side stays open: the flow ends only because the engine closes the connection.
        output = Source.single(input).concat(Source.never())
            .via(ServerConnection.create("conformance", "omg-engine/test", codec, 8, Framing.NO_TIMEOUT,
                exchange -> dispatch(exchange.request()), () -> true, null, 256,
                ConnectionBudget.unlimited()))
            .runFold(ByteString.emptyByteString(), ByteString::concat, system)
            .toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        throw new AssertionError("the connection was not closed within 10 s");
      }
      List<Object> answers = new ArrayList<>();
      byte[] bytes = output.toArray();
      for (int offset = 0; offset < bytes.length; ) {
        int length = FrameHeader.read(bytes, offset);
        answers.add(canonical(codec.decode(bytes, offset + FrameHeader.LENGTH, length)));
        offset += FrameHeader.LENGTH + length;
      }
      if (afterHello) {
        assertEquals(canonical(new Hello(ProtocolVersion.CURRENT, "omg-engine/test")), answers.remove(0));
      }
      assertEquals(expected, answers);
    }));
  }

  /**
   * The routing layer as the cases need it: echo answers its payload at once, probe (the diagnostic command) its
   * {@code echo} after {@code interval-ms}, as the real ProbeHandler does with no steps.
   */
  private static CompletableFuture<Response> dispatch(Request request) {
    if ("probe".equals(request.command()) && request.payload() instanceof Map<?, ?> options) {
      long interval = ((Number) options.get("interval-ms")).longValue();
      return CompletableFuture.supplyAsync(() -> Response.ok(request.id(), options.get("echo")),
          CompletableFuture.delayedExecutor(interval, TimeUnit.MILLISECONDS));
    }
    return CompletableFuture.completedFuture(Response.ok(request.id(), request.payload()));
  }

  @Test
  void everyHexBlockInTheProtocolDocIsTheConformanceFiles() throws IOException {
    Map<String, String> vectors = new LinkedHashMap<>();
    entries("vectors").forEach(v -> vectors.put("vector=" + v.get("name").asText(), v.get("hex").asText()));
    entries("malformed").forEach(m -> vectors.put("malformed=" + m.get("name").asText(), m.get("send").asText()));
    Matcher block = DOC_BLOCK.matcher(Files.readString(DOC, StandardCharsets.UTF_8));
    int blocks = 0;
    while (block.find()) {
      String key = block.group(1) + "=" + block.group(2);
      assertTrue(vectors.containsKey(key), "docs/protocol.md shows " + key + ", which the conformance file lacks");
      assertEquals(vectors.get(key), block.group(3).trim().replaceAll("\\s+", " "), key + " in docs/protocol.md");
      blocks++;
    }
    assertTrue(blocks >= 20, "docs/protocol.md shows " + blocks + " vectors");
  }

  // ---- the file's notation ----

  private static Envelope envelope(JsonNode json) {
    String type = json.fieldNames().next();
    JsonNode f = json.get(type);
    return switch (type) {
      case "Hello" -> new Hello(f.get("protocolVersion").asInt(), text(f.get("agent")));
      case "Request" -> new Request(f.get("id").asLong(), text(f.get("command")), value(f.get("payload")));
      case "StreamRequest" -> new StreamRequest(f.get("id").asLong(), text(f.get("command")), value(f.get("payload")));
      case "Response" -> new Response(f.get("id").asLong(), Status.valueOf(f.get("status").asText()),
          value(f.get("payload")), text(f.get("error")), f.get("retryAfterMillis").asLong());
      case "Progress" -> new Progress(f.get("id").asLong(), f.get("seq").asLong(), value(f.get("payload")));
      case "Cancel" -> new Cancel(f.get("id").asLong());
      default -> throw new IllegalArgumentException("no envelope type " + type);
    };
  }

  private static String text(JsonNode node) {
    return node.isNull() ? null : node.asText();
  }

  private static Object value(JsonNode node) {
    if (node.isNull()) {
      return null;
    }
    String kind = node.fieldNames().next();
    JsonNode v = node.get(kind);
    return switch (kind) {
      case "int" -> v.intValue();
      case "long" -> v.longValue();
      case "float" -> v.floatValue();
      case "double" -> v.doubleValue();
      case "boolean" -> v.booleanValue();
      case "byte" -> (byte) v.intValue();
      case "short" -> (short) v.intValue();
      case "char" -> v.asText().charAt(0);
      case "string" -> v.asText();
      case "bytes" -> HexFormat.of().parseHex(v.asText());
      case "list" -> {
        List<Object> list = new ArrayList<>();
        v.forEach(element -> list.add(value(element)));
        yield list;
      }
      case "map" -> {
        Map<Object, Object> map = new LinkedHashMap<>();
        v.forEach(pair -> map.put(value(pair.get(0)), value(pair.get(1))));
        yield map;
      }
      default -> throw new IllegalArgumentException("no value type " + kind);
    };
  }

  /** An envelope as comparable data: byte arrays by content, maps as ordered pairs, every value with its type. */
  private static List<Object> canonical(Envelope envelope) {
    if (envelope instanceof Hello h) {
      return List.of("Hello", h.protocolVersion(), String.valueOf(h.agent()));
    }
    if (envelope instanceof Request r) {
      return List.of("Request", r.id(), String.valueOf(r.command()), canonicalValue(r.payload()));
    }
    if (envelope instanceof StreamRequest r) {
      return List.of("StreamRequest", r.id(), String.valueOf(r.command()), canonicalValue(r.payload()));
    }
    if (envelope instanceof Response r) {
      return List.of("Response", r.id(), r.status(), canonicalValue(r.payload()), String.valueOf(r.error()),
          r.retryAfterMillis());
    }
    if (envelope instanceof Progress p) {
      return List.of("Progress", p.id(), p.seq(), canonicalValue(p.payload()));
    }
    return List.of("Cancel", ((Cancel) envelope).id());
  }

  private static Object canonicalValue(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof byte[] bytes) {
      return List.of("bytes", HexFormat.of().formatHex(bytes));
    }
    if (value instanceof List<?> list) {
      return List.of("list", list.stream().map(ProtocolConformanceTest::canonicalValue).toList());
    }
    if (value instanceof Map<?, ?> map) {
      return List.of("map", map.entrySet().stream()
          .map(e -> List.of(canonicalValue(e.getKey()), canonicalValue(e.getValue()))).toList());
    }
    return List.of(value.getClass().getSimpleName(), value);
  }
}
