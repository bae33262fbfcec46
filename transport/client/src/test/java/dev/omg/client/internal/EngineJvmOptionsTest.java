package dev.omg.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineJvmOptionsTest {
  @TempDir
  Path dir;

  @Test
  void defaultsToACappedHeapAndAnIdleCollectionOnJava17() {
    assertEquals(List.of("-Xmx256m", "-XX:+UseG1GC", "-XX:G1PeriodicGCInterval=30000",
        "-XX:-G1PeriodicGCInvokesConcurrent"), EngineJvmOptions.forEngine(Map.of(), 17));
  }

  @Test
  void addsTheOptionsThatSilenceJava25sWarningsFirst() {
    List<String> options = EngineJvmOptions.forEngine(Map.of(), 25);
    assertEquals(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"),
        options.subList(0, 2));
    assertEquals(EngineJvmOptions.forEngine(Map.of(), 17), options.subList(2, options.size()));
  }

  @Test
  void theEnvironmentVariableReplacesTheDefaultWordByWord() {
    assertEquals(List.of("-Xmx64m", "-XX:+UseSerialGC"),
        EngineJvmOptions.forEngine(Map.of("OMG_ENGINE_JAVA_OPTS", "  -Xmx64m   -XX:+UseSerialGC "), 17));
  }

  @Test
  void anEmptyEnvironmentVariableMeansNoOptions() {
    assertEquals(List.of(), EngineJvmOptions.forEngine(Map.of("OMG_ENGINE_JAVA_OPTS", ""), 17));
  }

  @Test
  void theLauncherScriptCarriesTheSameDefault() throws Exception {
    String script = Files.readString(Path.of("../../bin/omg"));
    Matcher matcher = Pattern.compile("(?m)^default_engine_opts='([^']*)'$").matcher(script);
    assertEquals(true, matcher.find(), "bin/omg sets default_engine_opts");
    assertEquals(EngineJvmOptions.DEFAULT, matcher.group(1));
  }

  @Test
  void usesTheDynamicArchiveBesideTheEngineJarBeforeJava25() throws Exception {
    Path jar = Files.createFile(dir.resolve("omg-engine.jar"));
    Path archive = Files.createFile(dir.resolve("omg-engine-17.jsa"));
    assertEquals(List.of("-XX:SharedArchiveFile=" + archive, "-Xshare:auto", "-Xlog:cds=off",
        "-Xlog:cds+dynamic=off"), EngineJvmOptions.archive(jar, 17));
  }

  @Test
  void usesTheAotCacheBesideTheEngineJarFromJava25On() throws Exception {
    Path jar = Files.createFile(dir.resolve("omg-engine.jar"));
    Path cache = Files.createFile(dir.resolve("omg-engine-25.aot"));
    assertEquals(List.of("-XX:AOTCache=" + cache, "-Xlog:aot=off", "-Xlog:cds=off"),
        EngineJvmOptions.archive(jar, 25));
  }

  @Test
  void addsNoArchiveWhenTheBuildMadeNoneForThisJavaVersion() throws Exception {
    Path jar = Files.createFile(dir.resolve("omg-engine.jar"));
    Files.createFile(dir.resolve("omg-engine-17.jsa"));
    assertEquals(List.of(), EngineJvmOptions.archive(jar, 21));
    assertEquals(List.of(), EngineJvmOptions.archive(jar, 25));
  }
}
