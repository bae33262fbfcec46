package dev.omg.it.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.it.Cli;
import dev.omg.it.EngineProcess;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Introspection of the example application: `commands` and `status` (text and --json), on an engine of its own. */
class PackageIndexStatsSystemTest {
  @TempDir
  static Path dir;
  private static EngineProcess engine;

  @BeforeAll
  static void start() throws Exception {
    engine = PackageIndex.start(dir.resolve("omg"));
  }

  @AfterAll
  static void stop() throws Exception {
    engine.close();
  }

  private static Cli.Result cli(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--socket", engine.socket().toString()));
    return Cli.run(List.of(), Map.of(), all.toArray(String[]::new));
  }

  @Test
  void commandsListsEachCommandWithItsHandlerClassAndPayloadTypes() throws Exception {
    Cli.Result text = cli("commands");
    assertEquals(0, text.exitCode(), text.stderr());
    assertTrue(text.stdout().contains("install          com.example.pkgindex.InstallHandler x2           "
        + "list, com.example.pkgindex.InstallRequest\n"), text.stdout());
    Cli.Result json = cli("commands", "--json");
    assertTrue(json.stdout().contains("{\"command\":\"install\",\"class\":\"com.example.pkgindex.InstallHandler\","
        + "\"instances\":2,\"dispatcher\":\"pekko.actor.default-blocking-io-dispatcher\",\"timeout-ms\":120000,"
        + "\"max-queued\":16,\"payload-types\":[\"list\",\"com.example.pkgindex.InstallRequest\"]}"), json.stdout());
  }

  @Test
  void statusCountsEachCommandsRequestsErrorsAndLatencies() throws Exception {
    for (String name : List.of("regex", "find", "json")) {
      assertEquals(0, cli("call", "search", name).exitCode());
    }
    assertEquals(1, cli("call", "search").exitCode(), "usage error: BAD_REQUEST");
    Cli.Result json = cli("status", "--json");
    assertEquals(0, json.exitCode(), json.stderr());
    Matcher search = Pattern.compile("\\{\"command\":\"search\",\"requests\":4,\"errors\":1,\"cancelled\":0,"
        + "\"in-flight\":0,\"queued\":0,\"p50-us\":(\\d+),\"p90-us\":(\\d+),\"p99-us\":(\\d+),\"max-us\":(\\d+)}")
        .matcher(json.stdout());
    assertTrue(search.find(), json.stdout());
    long p50 = Long.parseLong(search.group(1));
    long max = Long.parseLong(search.group(4));
    assertTrue(p50 > 0 && p50 <= max, json.stdout());
    Cli.Result text = cli("status");
    assertTrue(text.stdout().matches("(?s).*\\nsearch +4 +1 +0 +0 +0 +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+\\n.*"),
        text.stdout());
  }
}
