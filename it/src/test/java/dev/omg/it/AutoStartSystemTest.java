package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.client.EngineClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Clients that start the engine themselves: --auto-start and omg.client.auto-start. */
class AutoStartSystemTest {
  private static final int CLIENTS = 8;

  @TempDir
  Path dir;

  /** Engines started by clients are detached: stop any this test left, by pid. */
  @AfterEach
  void stopStartedEngines() throws Exception {
    EngineProcess.stopEnginesServing(dir);
  }

  /** Where the started engines log: XDG_STATE_HOME in the test's directory, not the user's home. */
  private Map<String, String> env() {
    return Map.of("XDG_STATE_HOME", dir.resolve("state").toString());
  }

  /** The files an engine started for {@code socket} logs to: its rolling log, then the JVM's own output. */
  private List<Path> logFiles() throws Exception {
    try (var files = Files.list(dir.resolve("state/omg"))) {
      return files.sorted().toList();
    }
  }

  @Test
  void eightConcurrentClientsAgainstNoEngineStartExactlyOne() throws Exception {
    Path socket = dir.resolve("run/engine.sock");
    // Generous: eight client JVMs and the engine start at once on a small machine.
    Path viaFlag = Files.writeString(dir.resolve("flag.conf"), "omg.client.start-timeout = 60s\n");
    Path viaConfig = Files.writeString(dir.resolve("config.conf"),
        "omg.client { auto-start = on, start-timeout = 60s }\n");
    List<Process> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      // Half ask with the flag, half through the configuration.
      List<String> args = i % 2 == 0
          ? List.of("ping", "--socket", socket.toString(), "--config", viaFlag.toString(), "--auto-start")
          : List.of("ping", "--socket", socket.toString(), "--config", viaConfig.toString());
      List<String> command = new ArrayList<>(List.of(EngineProcess.java(), "-jar", EngineProcess.jar().toString()));
      command.addAll(args);
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
      builder.environment().putAll(env());
      clients.add(builder.start());
    }
    for (Process client : clients) {
      client.getOutputStream().close();
      String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(client.waitFor(90, TimeUnit.SECONDS), "client did not exit");
      assertEquals(0, client.exitValue(), output);
      assertTrue(output.matches(
          "pong omg-engine/\\S+ in \\d+\\.\\d{3} ms \\(connect \\+ hello \\d+\\.\\d{3} ms\\)\\n"), output);
    }

    List<ProcessHandle> engines = EngineProcess.enginesServing(dir);
    assertEquals(1, engines.size(), "engines: " + engines);
    long pid = engines.get(0).pid();
    // Named after the socket, as it is not the default one; the JVM's own output beside it, empty.
    List<Path> files = logFiles();
    assertEquals(2, files.size(), files.toString());
    assertTrue(files.get(0).getFileName().toString().matches("engine-[0-9a-f]{8}\\.log"), files.toString());
    assertEquals(files.get(0).resolveSibling(files.get(0).getFileName().toString().replace(".log", ".out")),
        files.get(1));
    String log = Files.readString(files.get(0));
    assertEquals(1, log.lines().filter(line -> line.contains(" listening on " + socket)).count(), log);
    assertEquals("", Files.readString(files.get(1)), "no second engine was even tried");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("state/omg"))));
    for (Path file : files) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), file.toString());
    }
    assertEquals(pid + "\n", Files.readString(dir.resolve("run/engine.lock")), "the lock holder is that engine");
    try (EngineClient client = EngineClient.connect(socket)) {
      assertEquals(pid, ((Map<?, ?>) client.call("status", null).payload()).get("pid"));
    }

    Cli.Result doctor = Cli.run(env(), "doctor", "--socket", socket.toString());
    assertEquals(0, doctor.exitCode(), doctor.stdout());
    assertTrue(doctor.stdout().contains("ok    lock      " + dir.resolve("run/engine.lock") + " held by pid " + pid
        + "\n"), doctor.stdout());
    assertTrue(doctor.stdout().contains("--- the last 20 lines of " + files.get(0) + " ---\n"), doctor.stdout());
    assertTrue(doctor.stdout().contains("ok    log       " + files.get(0) + " ("), doctor.stdout());
    assertEquals(new Cli.Result(0, "stopped the engine at " + socket + "\n", ""),
        Cli.run("stop", "--socket", socket.toString()));
  }

  @Test
  void reportsAnEngineThatExitsBeforeItAnswersWithTheEndOfItsLog() throws Exception {
    Path socket = dir.resolve("run/engine.sock");
    Path config = Files.writeString(dir.resolve("broken.conf"),
        "omg.handlers.broken { class = \"com.example.Missing\" }\n");
    Cli.Result result = Cli.run(env(), "call", "echo", "x", "--auto-start", "--socket", socket.toString(),
        "--config", config.toString());
    assertEquals(1, result.exitCode(), result.stderr());
    Path output = logFiles().stream().filter(file -> file.toString().endsWith(".out")).findFirst().orElseThrow();
    assertTrue(result.stderr().startsWith("omg-engine: the engine exited with status 1 before it answered; the end "
        + "of its output " + output + ":\n"), result.stderr());
    assertTrue(result.stderr().contains("com.example.Missing"), result.stderr());
    assertEquals(List.of(), EngineProcess.enginesServing(dir));
  }
}
