package dev.omg.client.internal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The JVM options an engine process runs with, for {@code bin/omg serve} and for engines started by
 * {@link AutoStart}: a capped heap and a collector that returns memory to the OS when the engine idles (the
 * figures behind the choice are in docs/reliability.md). {@value #ENV} replaces the default; on Java 23 and later
 * two options that silence the JVM's warnings about junixsocket's native library and Kryo's use of Unsafe are
 * added in front. bin/omg carries the same default (a test keeps the two equal). {@link #archive} adds the
 * class-data archive the build made beside the engine jar, as bin/omg does.
 */
public final class EngineJvmOptions {
  /** The environment variable whose words replace {@link #DEFAULT}; set but empty means no options. */
  public static final String ENV = "OMG_ENGINE_JAVA_OPTS";

  /**
   * A 256 MiB heap cap (the engine holds at most its configured in-flight bytes; the JVM's default is a quarter of
   * the machine) and G1 with a periodic collection every 30 s while idle, which gives unused heap back to the OS.
   * The periodic collection is a full one, not a concurrent cycle: only a full collection shrinks the heap.
   */
  public static final String DEFAULT =
      "-Xmx256m -XX:+UseG1GC -XX:G1PeriodicGCInterval=30000 -XX:-G1PeriodicGCInvokesConcurrent";

  /** Accepted from Java 23 on; Java 24 and later warn without them. Older JVMs refuse to start with them. */
  static final List<String> QUIET_FROM_JAVA_23 =
      List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow");

  private EngineJvmOptions() {}

  /**
   * The options for an engine run by a JVM of feature version {@code javaFeature} (e.g. 17, 25), given the
   * environment {@code env}.
   */
  public static List<String> forEngine(Map<String, String> env, int javaFeature) {
    List<String> options = new ArrayList<>();
    if (javaFeature >= 23) {
      options.addAll(QUIET_FROM_JAVA_23);
    }
    String configured = env.get(ENV);
    for (String word : (configured != null ? configured : DEFAULT).trim().split("\\s+")) {
      if (!word.isEmpty()) {
        options.add(word);
      }
    }
    return options;
  }

  /**
   * The options that run the engine jar {@code engineJar} with the class-data archive the build made beside it
   * for a JVM of feature version {@code javaFeature} ({@code omg-engine-<N>.jsa}, on Java 25 and later the AOT
   * cache {@code omg-engine-<N>.aot}), or none when there is no such file. A JVM that cannot map the archive
   * (another JDK update, other options, a rebuilt jar) starts without it; the logging options keep that silent.
   */
  public static List<String> archive(Path engineJar, int javaFeature) {
    String name = engineJar.getFileName().toString().replaceFirst("\\.jar$", "") + "-" + javaFeature;
    Path directory = engineJar.toAbsolutePath().getParent();
    if (javaFeature >= 25) {
      Path cache = directory.resolve(name + ".aot");
      return Files.isRegularFile(cache)
          ? List.of("-XX:AOTCache=" + cache, "-Xlog:aot=off", "-Xlog:cds=off")
          : List.of();
    }
    Path archive = directory.resolve(name + ".jsa");
    return Files.isRegularFile(archive)
        ? List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto", "-Xlog:cds=off", "-Xlog:cds+dynamic=off")
        : List.of();
  }
}
