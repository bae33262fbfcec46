package dev.omg.it.bench;

import dev.omg.it.EngineProcess;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How the benchmark runs the engine's command line, as a user would: {@code bin/omg} when the repository has it,
 * else {@code java -jar omg-engine.jar}; on the benchmark's own JDK or on another one (Java 25).
 *
 * @param script bin/omg, if it exists
 * @param jar the engine jar, for the fallback
 */
record Launcher(Optional<Path> script, Path jar) {
  /** Where the benchmark looks for a Java 25 JDK unless {@code -Dbench.java25} names another. */
  static final Path DEFAULT_JAVA25 = Path.of("/usr/lib/jvm/temurin-25-jdk-amd64");

  /** {@code -Domg.launcher} (the bench profile sets it to the repository's bin/omg), else bin/omg from here. */
  static Launcher find() {
    String configured = System.getProperty("omg.launcher");
    List<Path> candidates = configured != null && !configured.isBlank()
        ? List.of(Path.of(configured))
        : List.of(Path.of("bin/omg"), Path.of("../bin/omg"));
    Optional<Path> script = candidates.stream().filter(Files::isRegularFile)
        .map(path -> path.toAbsolutePath().normalize()).findFirst();
    return new Launcher(script, EngineProcess.jar());
  }

  /** The JDK this benchmark runs on. */
  static Path currentJavaHome() {
    return Path.of(System.getProperty("java.home"));
  }

  /** A Java 25 JDK if this machine has one: {@code -Dbench.java25}, else {@link #DEFAULT_JAVA25}. */
  static Optional<Path> java25() {
    Path home = Path.of(System.getProperty("bench.java25", DEFAULT_JAVA25.toString()));
    return Files.isExecutable(home.resolve("bin").resolve("java")) ? Optional.of(home) : Optional.empty();
  }

  /** What the table calls this way of starting the command line. */
  String label() {
    return script.isPresent() ? "bin/omg" : "java -jar omg-engine.jar";
  }

  /** The command line for {@code args} (e.g. {@code ping --socket S}) on the JDK at {@code javaHome}. */
  List<String> argv(Path javaHome, String... args) {
    List<String> argv = new ArrayList<>();
    if (script.isPresent()) {
      // Through sh, so a checkout that lost the file's execute bit still runs it.
      argv.addAll(List.of("/bin/sh", script.get().toString()));
    } else {
      argv.addAll(List.of(java(javaHome), "-jar", jar.toString()));
    }
    argv.addAll(Arrays.asList(args));
    return argv;
  }

  /** The environment that makes bin/omg pick the JDK at {@code javaHome}, as a launcher script finds its JVM. */
  Map<String, String> env(Path javaHome) {
    if (script.isEmpty()) {
      return Map.of();
    }
    return Map.of("JAVA_HOME", javaHome.toString(),
        "PATH", javaHome.resolve("bin") + File.pathSeparator + System.getenv().getOrDefault("PATH", ""));
  }

  static String java(Path javaHome) {
    return javaHome.resolve("bin").resolve("java").toString();
  }
}
