package dev.omg.it.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Wall time of short-lived processes, from start to exit, as a user at a shell sees it. */
final class ProcessTimes {
  static final long RUN_TIMEOUT_SECONDS = 60;

  /**
   * One command line to time.
   *
   * @param name what progress lines and failures call it
   * @param argv the program and its arguments
   * @param env variables set on top of this JVM's environment (OMG_SOCKET is always removed)
   * @param expect text the output (stdout and stderr) must contain, so a run that did nothing is not timed
   */
  record Command(String name, List<String> argv, Map<String, String> env, String expect) {
    Command {
      argv = List.copyOf(argv);
      env = Map.copyOf(env);
    }
  }

  /** Median, 90th percentile (nearest rank) and mean wall time of the measured runs, in milliseconds. */
  record Summary(double medianMillis, double p90Millis, double meanMillis) {}

  private ProcessTimes() {}

  /**
   * Runs every command {@code warmUps} times, then {@code runs} timed times, taking turns so that noise on the
   * machine falls on all of them alike. A command that fails, overstays its timeout or does not print what it
   * should fails the measurement.
   *
   * @param scratch where each run's output goes; it is read to check it and to explain a failure
   */
  static List<Summary> measure(List<Command> commands, int warmUps, int runs, Path scratch,
      Consumer<String> progress) throws IOException, InterruptedException {
    Path output = scratch.resolve("process-output.txt");
    progress.accept("warm-up, " + warmUps + " of each…");
    for (int i = 0; i < warmUps; i++) {
      for (Command command : commands) {
        runOnce(command, output);
      }
    }
    progress.accept("measuring " + runs + " of each…");
    List<long[]> nanos = new ArrayList<>();
    commands.forEach(command -> nanos.add(new long[runs]));
    for (int i = 0; i < runs; i++) {
      for (int c = 0; c < commands.size(); c++) {
        nanos.get(c)[i] = runOnce(commands.get(c), output);
      }
      if ((i + 1) % 5 == 0 && i + 1 < runs) {
        progress.accept((i + 1) + " of " + runs + " done…");
      }
    }
    List<Summary> summaries = nanos.stream().map(ProcessTimes::summarize).toList();
    for (int c = 0; c < commands.size(); c++) {
      progress.accept(String.format("%s: median %.1f ms, p90 %.1f ms", commands.get(c).name(),
          summaries.get(c).medianMillis(), summaries.get(c).p90Millis()));
    }
    return summaries;
  }

  /** Runs {@code command} once and returns its wall time in nanoseconds. */
  static long runOnce(Command command, Path output) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command.argv())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true)
        .redirectOutput(output.toFile());
    builder.environment().remove("OMG_SOCKET");
    builder.environment().putAll(command.env());
    long start = System.nanoTime();
    Process process = builder.start();
    if (!process.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new IOException(command.name() + " did not exit within " + RUN_TIMEOUT_SECONDS + " s");
    }
    long elapsed = System.nanoTime() - start;
    String printed = Files.readString(output, StandardCharsets.UTF_8).strip();
    if (process.exitValue() != 0) {
      throw new IOException(command.name() + " exited with " + process.exitValue() + ": " + printed);
    }
    if (!printed.contains(command.expect())) {
      throw new IOException(command.name() + " printed no '" + command.expect() + "': " + printed);
    }
    return elapsed;
  }

  static Summary summarize(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    long p90 = sorted[Math.max(0, (int) Math.ceil(0.9 * n) - 1)];
    return new Summary(median / 1e6, p90 / 1e6, Arrays.stream(sorted).average().orElseThrow() / 1e6);
  }
}
