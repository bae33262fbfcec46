package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.omg.client.EngineClient;
import dev.omg.protocol.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On Java 25 neither {@code serve} nor a CLI command prints a JVM warning (junixsocket's native library, Kryo's and
 * Pekko's sun.misc.Unsafe). Runs with the JVM running the tests when that is Java 25 or later, else with the JDK at
 * {@code -Domg.java25.home} (default /usr/lib/jvm/temurin-25-jdk-amd64); skipped with a message when neither exists.
 */
class Java25SystemTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static String java25;

  @TempDir
  Path dir;

  @BeforeAll
  static void findJava25() {
    Path home = Runtime.version().feature() >= 25 ? Path.of(System.getProperty("java.home"))
        : Path.of(System.getProperty("omg.java25.home", "/usr/lib/jvm/temurin-25-jdk-amd64"));
    Path java = home.resolve("bin").resolve("java");
    if (!Files.isExecutable(java)) {
      System.out.println("Java25SystemTest skipped: no Java 25 at " + home);
    }
    assumeTrue(Files.isExecutable(java), "no Java 25 at " + home + "; set -Domg.java25.home to run these tests");
    java25 = java.toString();
  }

  /** Engines started by auto-start are detached: stop any this test left, by pid. */
  @AfterEach
  void stopStartedEngines() throws Exception {
    EngineProcess.stopEnginesServing(dir);
  }

  @Test
  void serveAndEveryCliCommandRunWithoutAJvmWarning() throws Exception {
    try (EngineProcess engine = EngineProcess.start(java25, 25, dir, List.of("-Xmx256m"), List.of())) {
      String socket = engine.socket().toString();
      for (List<String> command : List.of(List.of("ping"), List.of("status"), List.of("commands"),
          List.of("call", "echo", "hi"), List.of("doctor"), List.of("stop"))) {
        String[] args = concat(command, "--socket", socket);
        Cli.Result result = Cli.runWith(java25, List.of(), Map.of(), args);
        assertEquals(0, result.exitCode(), command + ": " + result);
        assertEquals(List.of(), warnings(result.stderr()), command + " on stderr");
      }
      assertEquals(0, engine.awaitExit(TIMEOUT), engine.log());
      assertEquals(List.of(), warnings(engine.log()), "serve's log");
    }
  }

  @Test
  void anEngineStartedByAutoStartLogsNoJvmWarning() throws Exception {
    Path socket = dir.resolve("run/engine.sock");
    Path config = Files.writeString(dir.resolve("client.conf"), "omg.client.start-timeout = 60s\n");
    Map<String, String> env = Map.of("XDG_STATE_HOME", dir.resolve("state").toString());
    Cli.Result ping = Cli.runWith(java25, List.of(), env, "ping", "--auto-start", "--socket",
        socket.toString(), "--config", config.toString());
    assertEquals(0, ping.exitCode(), ping.toString());
    assertEquals(List.of(), warnings(ping.stderr()), "ping --auto-start on stderr");
    Cli.Result stop = Cli.runWith(java25, List.of(), Map.of(), "stop", "--socket", socket.toString());
    assertEquals(0, stop.exitCode(), stop.toString());
    // The JVM's warnings would be in its own output (.out), the engine's in its log (.log).
    List<Path> files;
    try (var listed = Files.list(dir.resolve("state/omg"))) {
      files = listed.sorted().toList();
    }
    assertEquals(2, files.size(), files.toString());
    for (Path file : files) {
      String text = Files.readString(file);
      assertEquals(List.of(), warnings(text), file + ":\n" + text);
    }
    assertTrue(Files.readString(files.get(0)).contains(" listening on " + socket), files.get(0).toString());
  }

  @Test
  void serveNeverLoadsKryosUnsafeClasses() throws Exception {
    // Their warning is the same line as Pekko's, printed once for whichever comes first, so the class log is what
    // shows it: serve's preload thread initializes Kryo before the engine does, and must do so through WireFormat.
    Path classes = dir.resolve("classes.log");
    try (EngineProcess engine = EngineProcess.start(java25, 25, dir, List.of("-Xmx256m",
        "-Xlog:class+load=info:file=" + classes), List.of())) {
      try (EngineClient client = EngineClient.connect(engine.socket())) {
        assertEquals(Status.OK, client.call("echo", "through Kryo").status());
      }
    }
    List<String> unsafe = Files.readAllLines(classes).stream()
        .filter(line -> line.contains(" com.esotericsoftware.kryo.unsafe.")).toList();
    assertEquals(List.of(), unsafe);
  }

  private static List<String> warnings(String output) {
    return output.lines().filter(line -> line.startsWith("WARNING:")).toList();
  }

  private static String[] concat(List<String> command, String... more) {
    return java.util.stream.Stream.concat(command.stream(), java.util.Arrays.stream(more)).toArray(String[]::new);
  }
}
