package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.omg.client.EngineClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/omg, the launcher: finds java, runs the engine jar with the engine's heap cap and idle collector (or
 * OMG_ENGINE_JAVA_OPTS), adds Java 25's quieting options only where the JVM knows them, runs the client commands
 * from the thin CLI jar with the build's class-data archive when it fits, runs serve and auto-started engines with
 * the engine jar's own archive when it fits, and fails with one line when a jar is not built.
 */
class LauncherSystemTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Path JAVA_25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

  @TempDir
  Path dir;

  private static Path launcher() {
    Path script = Path.of("../bin/omg");
    if (!Files.isExecutable(script)) {
      script = Path.of("bin/omg");
    }
    return script.toAbsolutePath().normalize();
  }

  private Path socket() {
    return dir.resolve("run").resolve("engine.sock");
  }

  private static ProcessBuilder omg(Path script, Path javaHome, Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>(List.of(script.toString()));
    command.addAll(Arrays.asList(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("OMG_SOCKET");
    builder.environment().remove("OMG_ENGINE_JAVA_OPTS");
    builder.environment().put("JAVA_HOME", javaHome.toString());
    builder.environment().putAll(env);
    return builder;
  }

  private static Cli.Result run(ProcessBuilder builder) throws Exception {
    Path out = Files.createTempFile("omg-out", ".txt");
    Path err = Files.createTempFile("omg-err", ".txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    process.getOutputStream().close();
    if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(builder.command() + " did not exit within " + WAIT.toSeconds() + " s");
    }
    try {
      return new Cli.Result(process.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.delete(out);
      Files.delete(err);
    }
  }

  /** The running engine's command line, as the kernel has it. */
  private static List<String> commandLine(long pid) throws IOException {
    String raw = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8);
    return Arrays.asList(raw.split("\0"));
  }

  /** Starts {@code bin/omg serve}, waits until it answers; the caller stops it. */
  private Process serve(Path javaHome, Map<String, String> env, Path log) throws Exception {
    Process engine = omg(launcher(), javaHome, env, "serve", "--socket", socket().toString())
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      if (!engine.isAlive()) {
        throw new IllegalStateException("bin/omg serve exited with " + engine.exitValue() + ":\n"
            + Files.readString(log));
      }
      if (Files.exists(socket())) {
        try (EngineClient client = EngineClient.connect(socket())) {
          return engine;
        } catch (IOException notYet) {
          // Bound but not serving yet.
        }
      }
      if (System.nanoTime() > deadline) {
        engine.destroyForcibly();
        throw new IllegalStateException("bin/omg serve did not answer within " + WAIT.toSeconds() + " s");
      }
      Thread.sleep(20);
    }
  }

  private static void stop(Process engine) throws Exception {
    engine.destroy();
    if (!engine.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
      engine.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new IllegalStateException("the engine did not exit within " + WAIT.toSeconds() + " s of SIGTERM");
    }
    assertEquals(0, engine.exitValue());
  }

  private static Path runningJavaHome() {
    return Path.of(System.getProperty("java.home"));
  }

  @Test
  void runsTheClientCommandsWithTheBuiltJar() throws Exception {
    try (EngineProcess engine = EngineProcess.start(dir.resolve("omg"))) {
      Cli.Result ping = run(omg(launcher(), runningJavaHome(), Map.of(), "ping", "--socket",
          engine.socket().toString()));
      assertEquals(0, ping.exitCode(), ping.toString());
      assertTrue(ping.stdout().startsWith("pong omg-engine/"), ping.stdout());
      assertEquals("", ping.stderr());
    }
  }

  @Test
  void servesWithACappedHeapAndAnIdleCollectorAndNoJava25OptionsOnJava17() throws Exception {
    assumeTrue(Runtime.version().feature() < 23, "the tests run on Java 17");
    Path log = dir.resolve("engine.log");
    Process engine = serve(runningJavaHome(), Map.of(), log);
    try {
      List<String> command = commandLine(engine.pid());
      assertEquals(List.of("-Xmx256m", "-XX:+UseG1GC", "-XX:G1PeriodicGCInterval=30000",
          "-XX:-G1PeriodicGCInvokesConcurrent"), command.subList(1, 5), command.toString());
      assertFalse(Files.readString(log).contains("the JVM's default"), Files.readString(log));
    } finally {
      stop(engine);
    }
  }

  @Test
  void omgEngineJavaOptsReplacesTheEnginesDefaultOptions() throws Exception {
    Process engine = serve(runningJavaHome(), Map.of("OMG_ENGINE_JAVA_OPTS", "-Xmx96m -XX:+UseSerialGC"),
        dir.resolve("engine.log"));
    try {
      List<String> command = commandLine(engine.pid());
      assertTrue(command.contains("-Xmx96m") && command.contains("-XX:+UseSerialGC"), command.toString());
      assertFalse(command.contains("-Xmx256m"), command.toString());
    } finally {
      stop(engine);
    }
  }

  @Test
  void serveLogsTheMaxHeapWhenTheJvmsDefaultCapApplies() throws Exception {
    Path log = dir.resolve("engine.log");
    Process engine = serve(runningJavaHome(), Map.of("OMG_ENGINE_JAVA_OPTS", ""), log);
    try {
      String text = Files.readString(log);
      assertTrue(text.matches("(?s).*INFO  Serve - max heap \\d+ MiB, the JVM's default for this machine; cap it "
          + "with -Xmx \\(bin/omg: OMG_ENGINE_JAVA_OPTS, default -Xmx256m -XX:\\+UseG1GC "
          + "-XX:G1PeriodicGCInterval=30000 -XX:-G1PeriodicGCInvokesConcurrent\\)\n.*"), text);
    } finally {
      stop(engine);
    }
  }

  @Test
  void autoStartStartsTheEngineWithTheEnginesJvmOptions() throws Exception {
    // The started engine logs under XDG_STATE_HOME: the test's directory, not the user's home.
    Cli.Result ping = run(omg(launcher(), runningJavaHome(), Map.of("OMG_ENGINE_JAVA_OPTS", "-Xmx80m",
        "XDG_STATE_HOME", dir.resolve("state").toString()), "ping", "--auto-start", "--socket", socket().toString()));
    assertEquals(0, ping.exitCode(), ping.toString());
    long pid = Long.parseLong(Files.readString(socket().resolveSibling("engine.lock")).trim());
    try {
      List<String> command = commandLine(pid);
      assertTrue(command.contains("-Xmx80m"), command.toString());
    } finally {
      Cli.Result stop = run(omg(launcher(), runningJavaHome(), Map.of(), "stop", "--socket", socket().toString()));
      assertEquals(0, stop.exitCode(), stop.toString());
    }
  }

  @Test
  void onJava25TheEngineAndTheClientStartWithoutWarnings() throws Exception {
    assumeTrue(Files.isExecutable(JAVA_25.resolve("bin/java")), "no Java 25 at " + JAVA_25);
    Path log = dir.resolve("engine.log");
    Process engine = serve(JAVA_25, Map.of(), log);
    try {
      List<String> command = commandLine(engine.pid());
      assertEquals(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"),
          command.subList(1, 3), command.toString());
      Cli.Result ping = run(omg(launcher(), JAVA_25, Map.of(), "ping", "--socket", socket().toString()));
      assertEquals(0, ping.exitCode(), ping.toString());
      assertEquals("", ping.stderr());
    } finally {
      stop(engine);
    }
    assertFalse(Files.readString(log).contains("WARNING"), Files.readString(log));
  }

  @Test
  void runsTheClientCommandsFromTheThinJarWithItsArchiveAndWithoutPekko() throws Exception {
    try (EngineProcess engine = EngineProcess.start(dir.resolve("omg"))) {
      // The default client options plus class-loading lines on stdout: where each class came from.
      Cli.Result ping = run(omg(launcher(), runningJavaHome(), Map.of("OMG_CLIENT_JAVA_OPTS",
          "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xlog:class+load=info:stdout"), "ping", "--socket",
          engine.socket().toString()));
      assertEquals(0, ping.exitCode(), ping.toString());
      assertEquals("", ping.stderr());
      assertTrue(ping.stdout().contains("\npong omg-engine/"), ping.stdout());
      assertTrue(ping.stdout().contains(" dev.omg.client.EngineClient source: shared objects file"),
          "EngineClient comes from the build's archive:\n" + ping.stdout());
      assertFalse(ping.stdout().contains("org.apache.pekko"), ping.stdout());
      assertFalse(ping.stdout().contains("org.newsclub"), "no junixsocket either:\n" + ping.stdout());
    }
  }

  @Test
  void startsSilentlyWithoutTheArchiveWhenItDoesNotFitTheJvm() throws Exception {
    try (EngineProcess engine = EngineProcess.start(dir.resolve("omg"))) {
      for (Path javaHome : List.of(runningJavaHome(), JAVA_25)) {
        if (!Files.isExecutable(javaHome.resolve("bin/java"))) {
          continue;
        }
        // Uncompressed pointers: no archive made with the default options can be mapped.
        Cli.Result ping = run(omg(launcher(), javaHome, Map.of("OMG_CLIENT_JAVA_OPTS",
            "-XX:+UseSerialGC -XX:-UseCompressedOops"), "ping", "--socket", engine.socket().toString()));
        assertEquals(0, ping.exitCode(), javaHome + ": " + ping);
        assertTrue(ping.stdout().startsWith("pong omg-engine/"), javaHome + ": " + ping.stdout());
        assertEquals("", ping.stderr(), javaHome.toString());
      }
    }
  }

  /** engine/target of the checkout bin/omg runs from, as the script resolves it. */
  private static Path engineTarget() throws IOException {
    return launcher().getParent().getParent().toRealPath().resolve("engine").resolve("target");
  }

  private static int feature(Path javaHome) throws IOException {
    for (String line : Files.readAllLines(javaHome.resolve("release"))) {
      if (line.startsWith("JAVA_VERSION=\"")) {
        return Integer.parseInt(line.substring("JAVA_VERSION=\"".length()).split("[.\"]")[0]);
      }
    }
    throw new IllegalStateException(javaHome + "/release names no JAVA_VERSION");
  }

  /** The build's engine archive for {@code javaHome}'s Java, if it was made for the jar as it is now. */
  private static Path engineArchive(Path javaHome) throws IOException {
    int feature = feature(javaHome);
    return engineTarget().resolve("omg-engine-" + feature + (feature >= 25 ? ".aot" : ".jsa"));
  }

  private static boolean hasFreshEngineArchive(Path javaHome) throws IOException {
    Path archive = engineArchive(javaHome);
    return Files.isRegularFile(archive) && !Files.getLastModifiedTime(archive)
        .toInstant().isBefore(Files.getLastModifiedTime(engineTarget().resolve("omg-engine.jar")).toInstant());
  }

  /** The default engine options plus class-loading lines in {@code classes}: where each class came from. */
  private static Map<String, String> loggingClassesTo(Path classes) {
    return Map.of("OMG_ENGINE_JAVA_OPTS", "-Xmx256m -XX:+UseG1GC -XX:G1PeriodicGCInterval=30000 "
        + "-XX:-G1PeriodicGCInvokesConcurrent -Xlog:class+load=info:file=" + classes);
  }

  /** Serves with the build's archive on {@code javaHome}, pings, stops; returns the engine's whole output. */
  private String serveFromTheArchive(Path javaHome) throws Exception {
    Path log = dir.resolve("engine.log");
    Path classes = dir.resolve("classes.log");
    String archiveOption = "=" + engineArchive(javaHome);
    Process engine = serve(javaHome, loggingClassesTo(classes), log);
    try {
      List<String> command = commandLine(engine.pid());
      assertTrue(command.stream().anyMatch(option -> option.endsWith(archiveOption)), command.toString());
      Cli.Result ping = run(omg(launcher(), javaHome, Map.of(), "ping", "--socket", socket().toString()));
      assertEquals(0, ping.exitCode(), ping.toString());
    } finally {
      stop(engine);
    }
    assertTrue(Files.readString(classes).contains(" dev.omg.engine.Engine source: shared objects file"),
        "Engine comes from the build's archive");
    return Files.readString(log);
  }

  @Test
  void servesWithTheEngineArchiveAndPrintsNoWarning() throws Exception {
    assumeTrue(hasFreshEngineArchive(runningJavaHome()), "the build made no engine archive for this JVM");
    String log = serveFromTheArchive(runningJavaHome());
    assertFalse(log.toLowerCase(Locale.ROOT).contains("warn"), log);
    assertTrue(log.contains("INFO  Engine - omg-engine "), log);
  }

  @Test
  void servesWithTheEngineArchiveOnJava25AndPrintsNoWarning() throws Exception {
    assumeTrue(Files.isExecutable(JAVA_25.resolve("bin/java")), "no Java 25 at " + JAVA_25);
    assumeTrue(hasFreshEngineArchive(JAVA_25), "the build made no Java 25 engine archive for this jar "
        + "(build with -Domg.cli.archive.jdks=" + JAVA_25 + ")");
    String log = serveFromTheArchive(JAVA_25);
    assertFalse(log.toLowerCase(Locale.ROOT).contains("warn"), log);
    assertTrue(log.contains("INFO  Engine - omg-engine "), log);
  }

  @Test
  void servesSilentlyWithoutTheEngineArchiveWhenItDoesNotFitTheJvm() throws Exception {
    for (Path javaHome : List.of(runningJavaHome(), JAVA_25)) {
      if (!Files.isExecutable(javaHome.resolve("bin/java"))) {
        continue;
      }
      Path log = dir.resolve("engine-" + feature(javaHome) + ".log");
      // Uncompressed pointers: no archive made with the default options can be mapped.
      Process engine = serve(javaHome, Map.of("OMG_ENGINE_JAVA_OPTS", "-Xmx256m -XX:-UseCompressedOops"), log);
      try {
        Cli.Result ping = run(omg(launcher(), javaHome, Map.of(), "ping", "--socket", socket().toString()));
        assertEquals(0, ping.exitCode(), javaHome + ": " + ping);
      } finally {
        stop(engine);
      }
      String text = Files.readString(log);
      assertFalse(text.toLowerCase(Locale.ROOT).contains("warn"), javaHome + ": " + text);
      assertTrue(text.contains("INFO  Engine - omg-engine "), javaHome + ": " + text);
    }
  }

  @Test
  void autoStartStartsTheEngineWithTheEngineArchive() throws Exception {
    assumeTrue(hasFreshEngineArchive(runningJavaHome()), "the build made no engine archive for this JVM");
    Cli.Result ping = run(omg(launcher(), runningJavaHome(), Map.of(), "ping", "--auto-start", "--socket",
        socket().toString()));
    assertEquals(0, ping.exitCode(), ping.toString());
    long pid = Long.parseLong(Files.readString(socket().resolveSibling("engine.lock")).trim());
    String archiveOption = "=" + engineArchive(runningJavaHome());
    try {
      List<String> command = commandLine(pid);
      assertTrue(command.stream().anyMatch(option -> option.endsWith(archiveOption)), command.toString());
    } finally {
      Cli.Result stop = run(omg(launcher(), runningJavaHome(), Map.of(), "stop", "--socket", socket().toString()));
      assertEquals(0, stop.exitCode(), stop.toString());
    }
  }

  @Test
  void failsWithOneClearLineWhenTheJarIsNotBuilt() throws Exception {
    Path checkout = Files.createDirectories(dir.resolve("checkout").resolve("bin")).getParent().toRealPath();
    Path script = Files.copy(launcher(), checkout.resolve("bin").resolve("omg"));
    Cli.Result result = run(omg(script, runningJavaHome(), Map.of(), "ping"));
    assertEquals(new Cli.Result(1, "", "omg: " + checkout + "/engine/target/omg-engine.jar is not built; build it "
        + "with: (cd " + checkout + " && mvn -B -q package -DskipTests)\n"), result);
  }

  @Test
  void failsWithOneClearLineWhenJavaHomeHasNoJava() throws Exception {
    Cli.Result result = run(omg(launcher(), dir, Map.of(), "ping"));
    assertEquals(new Cli.Result(1, "", "omg: JAVA_HOME is " + dir + ", but " + dir + "/bin/java is not an "
        + "executable java; fix JAVA_HOME or unset it\n"), result);
  }
}
