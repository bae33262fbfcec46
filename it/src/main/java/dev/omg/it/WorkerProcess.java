package dev.omg.it;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real engine jar run as a cluster worker ({@code serve --worker}), a separate process with its log in a file.
 * Used by the cluster system tests and the benchmark alike. Every wait has a timeout.
 */
public final class WorkerProcess implements AutoCloseable {
  /** A JVM start plus a cluster join, on a busy 2-core machine. */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(45);
  /** What the worker logs once it has joined and registered its handlers. */
  public static final String UP = "omg-engine worker ";

  private final Process process;
  private final Path log;

  private WorkerProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** A TCP port on 127.0.0.1 that was free a moment ago, for the engine's cluster port. */
  public static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /**
   * Spawns {@code serve --worker} with the engine jar and {@code classpath} (the handler classes) on its classpath
   * and {@code args} after it (e.g. {@code --role R --seed 127.0.0.1:PORT --config FILE}), logging to
   * {@code log}; returns at once. {@link #awaitUp} waits for it to join.
   */
  public static WorkerProcess spawn(Path log, List<String> jvmOptions, List<Path> classpath, String... args)
      throws IOException {
    Files.createDirectories(log.toAbsolutePath().getParent());
    List<String> command = new ArrayList<>(List.of(EngineProcess.java()));
    command.addAll(EngineProcess.serveOptions(Runtime.version().feature()));
    command.addAll(jvmOptions);
    StringBuilder path = new StringBuilder(EngineProcess.jar().toString());
    classpath.forEach(entry -> path.append(File.pathSeparator).append(entry.toAbsolutePath()));
    command.addAll(List.of("-cp", path.toString(), "dev.omg.engine.Main", "serve", "--worker"));
    command.addAll(Arrays.asList(args));
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().remove("OMG_SOCKET");
    return new WorkerProcess(builder.start(), log);
  }

  /** As {@link #spawn}, then waits until the worker logged that it is up. */
  public static WorkerProcess start(Path log, List<String> jvmOptions, List<Path> classpath, String... args)
      throws IOException, InterruptedException {
    WorkerProcess worker = spawn(log, jvmOptions, classpath, args);
    try {
      worker.awaitUp();
    } catch (IOException | RuntimeException e) {
      worker.close();
      throw e;
    }
    return worker;
  }

  /** Waits until the worker logged its "up at" line; fails if it exits first or takes too long. */
  public WorkerProcess awaitUp() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      String text = log();
      if (text.contains(UP) && text.contains(" up at ")) {
        return this;
      }
      if (!process.isAlive()) {
        throw new IOException("worker exited with " + process.exitValue() + " before it was up:\n" + text);
      }
      Thread.sleep(50);
    }
    throw new IOException("worker not up within " + START_TIMEOUT.toSeconds() + " s:\n" + log());
  }

  /** The worker's log so far, waiting up to {@code timeout} for it to contain {@code text}. */
  public String awaitLog(String text, Duration timeout) throws InterruptedException {
    return EngineProcess.awaitLog("the worker", this::log, text, timeout);
  }

  public long pid() {
    return process.pid();
  }

  /** The CPU time the worker's process has used so far (user and system, all threads). */
  public Duration cpuTime() {
    return process.toHandle().info().totalCpuDuration()
        .orElseThrow(() -> new IllegalStateException("no CPU time for worker " + pid()));
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Everything the worker logged so far. */
  public String log() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }

  /** {@code kill -9}: the JVM gets no chance to leave the cluster; waits until the process is gone. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      throw new IllegalStateException("worker " + pid() + " still running 10 s after SIGKILL");
    }
  }

  /** Sends SIGTERM and waits for the exit; returns the exit status. */
  public int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new IllegalStateException("worker did not exit within " + timeout.toSeconds() + " s of SIGTERM:\n"
          + log());
    }
    return process.exitValue();
  }

  /** Kills the worker if it still runs. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
