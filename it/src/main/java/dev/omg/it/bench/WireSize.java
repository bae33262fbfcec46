package dev.omg.it.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.omg.protocol.Envelope;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.transport.FrameHeader;
import dev.omg.transport.KryoCodec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The size of typical envelopes in the engine's Kryo encoding against the same envelopes as JSON. */
final class WireSize {
  /** One message, its frame payload size in each encoding. */
  record Row(String message, int kryoBytes, int jsonBytes) {}

  /** A typical small command argument: a few string fields. */
  static final Map<String, Object> TYPICAL_MAP = typicalMap();

  private WireSize() {}

  static List<Row> measure() {
    KryoCodec codec = new KryoCodec(FrameHeader.DEFAULT_MAX_FRAME_SIZE);
    // A careful JSON protocol leaves nulls out; isOk() is a convenience, not a field of the record.
    ObjectMapper json = JsonMapper.builder()
        .defaultPropertyInclusion(JsonInclude.Value.construct(Include.NON_NULL, Include.NON_NULL))
        .disable(MapperFeature.AUTO_DETECT_IS_GETTERS)
        .build();
    byte[] bytes = Workloads.payload(64);
    Map<String, Envelope> messages = new LinkedHashMap<>();
    messages.put("request, map of 4 strings", new Request(42, "echo", TYPICAL_MAP));
    messages.put("response, map of 4 strings", Response.ok(42, TYPICAL_MAP));
    messages.put("request, 64-byte byte[]", new Request(42, "echo", bytes));
    messages.put("response, 64-byte byte[]", Response.ok(42, bytes));
    List<Row> rows = new ArrayList<>();
    messages.forEach((name, message) ->
        rows.add(new Row(name, codec.encode(message).length, jsonBytes(json, message))));
    return rows;
  }

  /** The JSON text of the map, for the legend. */
  static String typicalMapAsJson() throws JsonProcessingException {
    return new ObjectMapper().writeValueAsString(TYPICAL_MAP);
  }

  private static int jsonBytes(ObjectMapper json, Envelope message) {
    try {
      return json.writeValueAsBytes(message).length;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + message + " as JSON", e);
    }
  }

  private static Map<String, Object> typicalMap() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("user", "alice");
    map.put("project", "omg-engine");
    map.put("action", "build");
    map.put("target", "//engine:jar");
    return map;
  }
}
