package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The second-language client (it/python-client, Python 3 standard library, written from docs/protocol.md and
 * docs/protocol-vectors.json alone) runs every conformance entry and a live session against the real jar, which it
 * stops at the end. Skipped, with a line saying so, where python3 is absent.
 */
class PythonClientSystemTest {
  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(120);
  @TempDir
  Path dir;

  @Test
  void thePythonClientPassesTheConformanceFileAndALiveSession() throws Exception {
    String python = System.getProperty("omg.python", "python3");
    Assumptions.assumeTrue(available(python), () -> {
      String skip = "python client: SKIPPED: " + python + " was not found on PATH; install Python 3 to run"
          + " it/python-client against the engine (or set -Domg.python=/path/to/python3)";
      System.out.println(skip);
      return skip;
    });
    Path client = repoFile("it/python-client/check.py");
    Path vectors = repoFile("docs/protocol-vectors.json");
    Path config = dir.resolve("probe.conf");
    // The session's TIMEOUT case waits out this timeout; its SHUTTING_DOWN case needs a probe to outlive the stop.
    Files.writeString(config,
        "omg.handlers.probe { class = \"dev.omg.handler.internal.builtin.ProbeHandler\", timeout = 2s }\n");
    try (EngineProcess engine = EngineProcess.start(dir.resolve("omg"), List.of("-Xmx256m"),
        "--config", config.toString())) {
      long pid = engine.pid();
      ProcessBuilder builder = new ProcessBuilder(python, client.toString(), "--vectors", vectors.toString(),
          "--socket", engine.socket().toString())
          .directory(client.getParent().toFile())
          .redirectErrorStream(true);
      // Nothing written into the source tree.
      builder.environment().put("PYTHONDONTWRITEBYTECODE", "1");
      Process session = builder.start();
      boolean finished = session.waitFor(SESSION_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      if (!finished) {
        session.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      String output = new String(session.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      System.out.print(output);
      assertTrue(finished, "the Python session did not finish within " + SESSION_TIMEOUT.toSeconds() + " s:\n"
          + output);
      assertEquals(0, session.exitValue(), output + "\nengine log:\n" + engine.log());
      assertTrue(output.contains("python client: 69 vectors match byte for byte"), output);
      assertTrue(output.contains("25 malformed cases, stop without hello, shutting down"), output);
      assertTrue(output.endsWith("python client: all checks passed\n"), output);
      assertEquals(pid, engine.pid());
      assertEquals(0, engine.awaitExit(Duration.ofSeconds(30)), "the engine's exit after the session's stop");
    }
  }

  private static boolean available(String python) {
    try {
      Process version = new ProcessBuilder(python, "--version").redirectErrorStream(true).start();
      return version.waitFor(10, TimeUnit.SECONDS) && version.exitValue() == 0
          && new String(version.getInputStream().readAllBytes(), StandardCharsets.UTF_8).startsWith("Python 3");
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** A file of the repository, whether the test runs from it/ (Maven) or from the root. */
  private static Path repoFile(String path) {
    Path fromModule = Path.of("..").resolve(path);
    Path file = Files.exists(fromModule) ? fromModule : Path.of(path);
    assertTrue(Files.isRegularFile(file), path + " not found from " + Path.of("").toAbsolutePath());
    return file.toAbsolutePath().normalize();
  }
}
