package dev.omg.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RenderTest {
  @Test
  void showsStringsAsTheyAre() {
    assertEquals("hello", Render.text("hello"));
  }

  @Test
  void showsAListOneElementPerLine() {
    assertEquals("a\nb\n3", Render.text(List.of("a", "b", 3L)));
  }

  @Test
  void showsAMapAsKeyValueLines() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("name", "ripgrep");
    map.put("version", "14.1.0");
    assertEquals("name: ripgrep\nversion: 14.1.0", Render.text(map));
  }

  @Test
  void theCommandsTableNamesTheClusterRoleOfACommandServedByWorkers() {
    Map<String, Object> build = new LinkedHashMap<>();
    build.put("command", "build");
    build.put("class", "com.example.Build");
    build.put("instances", 4);
    build.put("payload-types", List.of());
    build.put("cluster-role", "builder");
    assertEquals(String.format("%-16s %-48s %s%n%-16s %-48s %s%n", "command", "handler", "payload types", "build",
        "com.example.Build x4 @builder", "-"), Render.commands(List.of(build)));
  }

  @Test
  void statusNamesTheReadyWorkersOfEachClusterRole() {
    Map<String, Object> workers = new LinkedHashMap<>();
    workers.put("builder", 2);
    workers.put("indexer", 0);
    assertEquals("builder 2, indexer 0", Render.workers(workers));
  }

  @Test
  void showsNothingForNull() {
    assertEquals("", Render.text(null));
  }

  @Test
  void showsDurationsInTheLargestUsefulUnits() {
    assertEquals("850 ms", Render.duration(850));
    assertEquals("59s", Render.duration(59_999));
    assertEquals("1m 0s", Render.duration(60_000));
    assertEquals("2h 0m 5s", Render.duration(7_205_000));
    assertEquals("3d 1h 0m 0s", Render.duration(262_800_000));
  }

  record Installed(String name, int chunks, boolean ok) {}

  @Test
  void showsARecordAsKeyValueLines() {
    assertEquals("name: jq\nchunks: 3\nok: true", Render.text(new Installed("jq", 3, true)));
  }

  @Test
  void writesJsonForScripts() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("name", "say \"hi\"\n");
    map.put("count", 3L);
    map.put("ratio", 0.5);
    map.put("tags", List.of("a", true));
    map.put("none", null);
    map.put("record", new Installed("fd", 1, false));
    assertEquals("{\"name\":\"say \\\"hi\\\"\\n\",\"count\":3,\"ratio\":0.5,\"tags\":[\"a\",true],\"none\":null,"
        + "\"record\":{\"name\":\"fd\",\"chunks\":1,\"ok\":false}}", Render.json(map));
  }

  @Test
  void drawsAStepCountAsABarOnATerminalAndAsAFractionOtherwise() {
    Map<String, Object> step = Map.of("done", 1, "total", 4, "message", "fetching");
    assertEquals("[########......................]  25% fetching", ProgressView.line(step, true));
    assertEquals("1/4 fetching", ProgressView.line(step, false));
    assertEquals("plain text", ProgressView.line("plain text", true));
  }
}
