package dev.omg.it;

import dev.omg.client.EngineClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * The real engine jar, run as a separate process on a socket in a directory of the caller's choosing. Used by the
 * system tests and the benchmarks alike. Every wait has a timeout.
 */
public final class EngineProcess implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final Process process;
  private final Path socket;
  private final Path log;

  private EngineProcess(Process process, Path socket, Path log) {
    this.process = process;
    this.socket = socket;
    this.log = log;
  }

  /** The engine jar under test: {@code -Domg.engine.jar}, else engine/target/omg-engine.jar from the repo root. */
  public static Path jar() {
    String configured = System.getProperty("omg.engine.jar");
    Path jar = configured != null ? Path.of(configured) : Path.of("engine/target/omg-engine.jar");
    if (!Files.isRegularFile(jar)) {
      jar = Path.of("../engine/target/omg-engine.jar");
    }
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("engine jar not found at " + jar.toAbsolutePath()
          + "; build it with: mvn -B package -DskipTests");
    }
    return jar.toAbsolutePath().normalize();
  }

  /** The {@code serve} processes whose command line names {@code directory}: engines a test started there. */
  public static List<ProcessHandle> enginesServing(Path directory) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.info().commandLine().map(c -> c.contains(" serve ") && c.contains(directory.toString()))
            .orElse(false))
        .toList();
  }

  /** Engines started detached (auto-start) outlive the test: stops those serving under {@code directory}, by pid. */
  public static void stopEnginesServing(Path directory) throws InterruptedException, ExecutionException {
    for (ProcessHandle engine : enginesServing(directory)) {
      engine.destroy();
      try {
        engine.onExit().get(30, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        engine.destroyForcibly();
      }
    }
  }

  /** The java launcher of the running JVM, so tests use the JDK they were started with. */
  public static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * Starts {@code serve} with its socket at {@code directory/run/engine.sock} (the engine creates {@code run/})
   * and its log in {@code directory/engine.log}, and returns once the engine answers a hello.
   *
   * @param jvmOptions e.g. {@code -Xmx256m}
   * @param serveArgs further arguments, e.g. {@code --config FILE}
   */
  public static EngineProcess start(Path directory, List<String> jvmOptions, String... serveArgs)
      throws IOException, InterruptedException {
    return start(directory, jvmOptions, List.of(), serveArgs);
  }

  /**
   * As {@link #start(Path, List, String...)}, with {@code classpath} (e.g. a directory of handler classes) after
   * the engine jar. The engine runs under umask 000, the widest there is, so every mode a test sees on the
   * engine's files was set by the engine itself, not narrowed by an inherited umask.
   */
  public static EngineProcess start(Path directory, List<String> jvmOptions, List<Path> classpath,
      String... serveArgs) throws IOException, InterruptedException {
    return start(java(), Runtime.version().feature(), directory, jvmOptions, classpath, serveArgs);
  }

  /**
   * As {@link #start(Path, List, List, String...)}, run by the java launcher {@code launcher} of Java release
   * {@code feature}, with the options {@link #serveOptions} gives for it ahead of {@code jvmOptions}.
   */
  public static EngineProcess start(String launcher, int feature, Path directory, List<String> jvmOptions,
      List<Path> classpath, String... serveArgs) throws IOException, InterruptedException {
    return start(launcher, feature, directory, jvmOptions, classpath, 0, serveArgs);
  }

  /**
   * As {@link #start(Path, List, String...)}, with the process's descriptor limit ({@code ulimit -n}) lowered to
   * {@code fileDescriptors}, for tests of what the engine does when it runs out.
   */
  public static EngineProcess startWithDescriptorLimit(Path directory, int fileDescriptors, String... serveArgs)
      throws IOException, InterruptedException {
    return start(java(), Runtime.version().feature(), directory, List.of("-Xmx256m"), List.of(), fileDescriptors,
        serveArgs);
  }

  private static EngineProcess start(String launcher, int feature, Path directory, List<String> jvmOptions,
      List<Path> classpath, int fileDescriptors, String... serveArgs) throws IOException, InterruptedException {
    Files.createDirectories(directory);
    Path socket = directory.resolve("run").resolve("engine.sock");
    Path log = directory.resolve("engine.log");
    String limit = fileDescriptors > 0 ? "ulimit -n " + fileDescriptors + " && " : "";
    List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", limit + "umask 000 && exec \"$@\"", "sh"));
    command.add(launcher);
    command.addAll(serveOptions(feature));
    command.addAll(jvmOptions);
    if (classpath.isEmpty()) {
      command.addAll(List.of("-jar", jar().toString()));
    } else {
      StringBuilder path = new StringBuilder(jar().toString());
      classpath.forEach(entry -> path.append(java.io.File.pathSeparator).append(entry.toAbsolutePath()));
      command.addAll(List.of("-cp", path.toString(), "dev.omg.engine.Main"));
    }
    command.addAll(List.of("serve", "--socket", socket.toString()));
    command.addAll(Arrays.asList(serveArgs));
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().remove("OMG_SOCKET");
    EngineProcess engine = new EngineProcess(builder.start(), socket, log);
    engine.awaitReady();
    return engine;
  }

  /**
   * The options that keep {@code serve} free of JVM warnings on Java release {@code feature}, as the engine's
   * auto-start passes them (dev.omg.client.internal.EngineJvmOptions): native access for junixsocket (the jar's manifest
   * grants it only to {@code -jar} starts), and from Java 23, which knows the option, sun.misc.Unsafe for Pekko.
   */
  public static List<String> serveOptions(int feature) {
    return feature >= 23
        ? List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow")
        : List.of("--enable-native-access=ALL-UNNAMED");
  }

  public static EngineProcess start(Path directory, String... serveArgs) throws IOException, InterruptedException {
    return start(directory, List.of("-Xmx256m"), serveArgs);
  }

  /** The engine's log so far, waiting up to {@code timeout} for a line containing {@code text}. */
  public String awaitLog(String text, Duration timeout) throws InterruptedException {
    return awaitLog("the engine", this::log, text, timeout);
  }

  /** {@code log}'s text once it contains {@code text}, polled until {@code timeout}; else names {@code who}. */
  static String awaitLog(String who, Supplier<String> log, String text, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      String logged = log.get();
      if (logged.contains(text)) {
        return logged;
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException(who + " did not log '" + text + "' within " + timeout.toSeconds()
        + " s:\n" + log.get());
  }

  private void awaitReady() throws IOException, InterruptedException {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    IOException last = null;
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("engine exited with " + process.exitValue() + " before it was ready:\n" + log());
      }
      if (Files.exists(socket)) {
        try (EngineClient client = EngineClient.connect(socket)) {
          return;
        } catch (IOException e) {
          last = e;
        }
      }
      Thread.sleep(20);
    }
    process.destroyForcibly();
    throw new IOException("engine not ready within " + START_TIMEOUT.toSeconds() + " s:\n" + log(), last);
  }

  public Path socket() {
    return socket;
  }

  public Process process() {
    return process;
  }

  public long pid() {
    return process.pid();
  }

  /**
   * The engine's used heap right after a full collection it was asked for ({@code jcmd PID GC.run}, then
   * {@code status}'s {@code heap-used-bytes}): what it retains, whatever the collector's own timing.
   */
  public long heapUsedAfterGc() throws Exception {
    Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        Long.toString(pid()), "GC.run").redirectErrorStream(true).start();
    if (!jcmd.waitFor(30, TimeUnit.SECONDS)) {
      jcmd.destroyForcibly();
      throw new IOException("jcmd GC.run did not finish within 30 s");
    }
    String output = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (jcmd.exitValue() != 0) {
      throw new IOException("jcmd GC.run exited " + jcmd.exitValue() + ": " + output);
    }
    try (EngineClient client = EngineClient.connect(socket)) {
      return ((Number) ((java.util.Map<?, ?>) client.call("status", null).payload()).get("heap-used-bytes"))
          .longValue();
    }
  }

  /** Everything the engine logged so far. */
  public String log() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }

  /** Sends SIGTERM and waits for the exit; returns the exit status. */
  public int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new IllegalStateException("engine did not exit within " + timeout.toSeconds() + " s of SIGTERM");
    }
    return process.exitValue();
  }

  /** Waits for the engine to exit by itself (e.g. after {@code stop}); returns the exit status. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("engine still running after " + timeout.toSeconds() + " s");
    }
    return process.exitValue();
  }

  /** Kills the engine if it still runs. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
