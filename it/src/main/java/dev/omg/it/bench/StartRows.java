package dev.omg.it.bench;

import dev.omg.client.ClientOptions;
import dev.omg.client.EngineClient;
import dev.omg.protocol.Response;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How long a server takes from the spawn of its process to its first answer, as a user who starts it and
 * immediately calls it waits: the engine's {@code serve}, the raw echo server for scale, and {@code ping
 * --auto-start} against no engine. Every run gets a fresh socket in a fresh directory, and every engine started
 * is stopped before the next run.
 */
final class StartRows {
  /** Often enough to resolve the first answer to 10 ms, rarely enough not to slow a start on 2 cores. */
  static final Duration POLL = Duration.ofMillis(10);
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
  /** A probe that connected must be answered promptly; a start still under way is retried, not waited on. */
  private static final ClientOptions PROBE = ClientOptions.defaults().withCallTimeout(Duration.ofSeconds(10));

  private final Launcher launcher;
  private final Path directory;
  private int runs;

  StartRows(Launcher launcher, Path directory) {
    this.launcher = launcher;
    this.directory = directory;
  }

  /** Spawns {@code serve} on a fresh socket; milliseconds until a connect, hello and ping succeed. */
  double engineStartMillis() throws Exception {
    Path run = freshDirectory("start");
    Path socket = run.resolve("run").resolve("engine.sock");
    Path log = run.resolve("engine.log");
    Path javaHome = Launcher.currentJavaHome();
    ProcessBuilder builder = new ProcessBuilder(launcher.argv(javaHome, "serve", "--socket", socket.toString()))
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().remove("OMG_SOCKET");
    builder.environment().putAll(launcher.env(javaHome));
    long start = System.nanoTime();
    Process process = builder.start();
    try {
      long deadline = start + START_TIMEOUT.toNanos();
      while (!answersPing(socket)) {
        if (!process.isAlive()) {
          throw new IOException("serve exited with " + process.exitValue() + " before it answered: " + read(log));
        }
        if (System.nanoTime() > deadline) {
          throw new IOException("serve did not answer within " + START_TIMEOUT.toSeconds() + " s: " + read(log));
        }
        Thread.sleep(POLL.toMillis());
      }
      double millis = (System.nanoTime() - start) / 1e6;
      stop(socket, process.toHandle());
      return millis;
    } finally {
      killIfAlive(process.toHandle());
    }
  }

  /** Spawns the raw echo server alone in a JVM; milliseconds until a connect and one echo succeed. */
  double rawStartMillis() throws Exception {
    long start = System.nanoTime();
    try (RawServerProcess server = RawServerProcess.spawn(freshDirectory("raw-start"))) {
      long deadline = start + START_TIMEOUT.toNanos();
      while (!server.echoes()) {
        if (System.nanoTime() > deadline) {
          throw new IOException("raw server did not echo within " + START_TIMEOUT.toSeconds() + " s");
        }
        Thread.sleep(POLL.toMillis());
      }
      return (System.nanoTime() - start) / 1e6;
    }
  }

  /** Runs {@code ping --auto-start} against a socket nothing listens on; milliseconds until it exits 0. */
  double autoStartMillis() throws Exception {
    Path socket = freshDirectory("auto-start").resolve("run").resolve("engine.sock");
    Path javaHome = Launcher.currentJavaHome();
    // The engine's log goes with the run's other files, not into the user's ~/.local/state.
    Map<String, String> env = new HashMap<>(launcher.env(javaHome));
    env.put("XDG_STATE_HOME", socket.getParent().getParent().resolve("state").toString());
    ProcessTimes.Command command = new ProcessTimes.Command("ping --auto-start",
        launcher.argv(javaHome, "ping", "--auto-start", "--socket", socket.toString()), env, "pong");
    Path output = socket.getParent().getParent().resolve("cli-output.txt");
    long nanos;
    try {
      nanos = ProcessTimes.runOnce(command, output);
    } finally {
      stopDetached(socket);
    }
    return nanos / 1e6;
  }

  private Path freshDirectory(String kind) throws IOException {
    return Files.createDirectories(directory.resolve(kind + "-" + ++runs));
  }

  private static boolean answersPing(Path socket) {
    if (!Files.exists(socket)) {
      return false;
    }
    try (EngineClient client = EngineClient.connect(socket, PROBE)) {
      Response pong = client.call("ping", null);
      if (!pong.isOk()) {
        throw new IllegalStateException("the engine answered ping with " + pong.status() + ": " + pong.error());
      }
      return true;
    } catch (IOException | TimeoutException notYet) {
      return false;
    }
  }

  /** The engine an auto-start left running has no parent here: find it by the pid it reports, and stop it. */
  private static void stopDetached(Path socket) throws Exception {
    Optional<ProcessHandle> engine = Optional.empty();
    try (EngineClient client = EngineClient.connect(socket, PROBE)) {
      if (client.call("status", null).payload() instanceof Map<?, ?> status
          && status.get("pid") instanceof Number pid) {
        engine = ProcessHandle.of(pid.longValue());
      }
    } catch (IOException e) {
      // No engine answers, so none was left running.
      return;
    }
    if (engine.isEmpty()) {
      throw new IOException("the auto-started engine at " + socket + " did not report its pid; stop it by hand");
    }
    try {
      stop(socket, engine.get());
    } finally {
      killIfAlive(engine.get());
    }
  }

  /** Asks the engine to stop, as the CLI's {@code stop} does, and waits for its process to exit. */
  private static void stop(Path socket, ProcessHandle process) throws Exception {
    EngineClient.stopWithoutHello(socket, PROBE);
    try {
      process.onExit().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IOException("the engine at " + socket + " did not exit within " + STOP_TIMEOUT.toSeconds()
          + " s of stop", e);
    } catch (ExecutionException e) {
      throw new IOException("waiting for the engine at " + socket + " to exit failed", e);
    }
  }

  /** Only ever a process this benchmark started, and the JVM a launcher script started under it. */
  private static void killIfAlive(ProcessHandle process) throws InterruptedException {
    List<ProcessHandle> children = process.descendants().toList();
    children.forEach(ProcessHandle::destroyForcibly);
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.onExit().get(10, TimeUnit.SECONDS);
      } catch (ExecutionException | TimeoutException e) {
        // Reported by the caller's own failure, if any; nothing more can be done for a process that will not die.
      }
    }
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8).strip() : "";
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }
}
