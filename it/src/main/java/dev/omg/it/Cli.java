package dev.omg.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real CLI ({@code java -jar omg-engine.jar ...}) as a fresh process, as a user would. */
public final class Cli {
  /** What one CLI run did. */
  public record Result(int exitCode, String stdout, String stderr) {}

  private Cli() {}

  public static Result run(Map<String, String> env, String... args) throws IOException, InterruptedException {
    return run(List.of(), env, args);
  }

  /**
   * As {@link #run(Map, String...)} with {@code classpath} (e.g. an application's jar, for its payload types)
   * after the engine jar: {@code java -cp omg-engine.jar:... dev.omg.engine.Main ARGS}.
   */
  public static Result run(List<Path> classpath, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    return runWith(EngineProcess.java(), classpath, env, args);
  }

  /** As {@link #run(List, Map, String...)} with the launcher {@code launcher}, e.g. another JDK's java. */
  public static Result runWith(String launcher, List<Path> classpath, Map<String, String> env, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(launcher));
    if (classpath.isEmpty()) {
      command.addAll(List.of("-jar", EngineProcess.jar().toString()));
    } else {
      // The jar's manifest grants junixsocket native access only to -jar starts; Java 17 accepts this too.
      command.add("--enable-native-access=ALL-UNNAMED");
      StringBuilder path = new StringBuilder(EngineProcess.jar().toString());
      classpath.forEach(entry -> path.append(java.io.File.pathSeparator).append(entry.toAbsolutePath()));
      command.addAll(List.of("-cp", path.toString(), "dev.omg.engine.Main"));
    }
    command.addAll(Arrays.asList(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().remove("OMG_SOCKET");
    builder.environment().putAll(env);
    Process process = builder.start();
    process.getOutputStream().close();
    // Output is small; read both fully after exit would risk a full pipe, so drain stderr on a thread.
    byte[][] stderr = new byte[1][];
    Thread errReader = new Thread(() -> {
      try {
        stderr[0] = process.getErrorStream().readAllBytes();
      } catch (IOException e) {
        stderr[0] = new byte[0];
      }
    });
    errReader.start();
    byte[] stdout = process.getInputStream().readAllBytes();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("CLI " + Arrays.toString(args) + " did not exit within 60 s");
    }
    errReader.join(10_000);
    return new Result(process.exitValue(), new String(stdout, StandardCharsets.UTF_8),
        new String(stderr[0], StandardCharsets.UTF_8));
  }

  public static Result run(String... args) throws IOException, InterruptedException {
    return run(Map.of(), args);
  }
}
