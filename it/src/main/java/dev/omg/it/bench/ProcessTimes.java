package dev.omg.it.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Wall time of short-lived processes, from start to exit, as a user at a shell sees it. */
final class ProcessTimes {
  static final long RUN_TIMEOUT_SECONDS = 60;

  /** Mean and median wall time of the measured runs, in milliseconds. */
  record Summary(double meanMillis, double medianMillis) {}

  private ProcessTimes() {}

  /**
   * Runs every command {@code warmUps} times, then {@code runs} timed times, taking turns so that noise on the
   * machine falls on all of them alike. A command that fails or overstays its timeout fails the measurement.
   *
   * @param scratch where each run's output goes; it is read only to explain a failure
   */
  static List<Summary> measure(List<List<String>> commands, int warmUps, int runs, Path scratch,
      Consumer<String> progress) throws IOException, InterruptedException {
    Path output = scratch.resolve("process-output.txt");
    progress.accept("warm-up, " + warmUps + " of each…");
    for (int i = 0; i < warmUps; i++) {
      for (List<String> command : commands) {
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
    }
    return nanos.stream().map(ProcessTimes::summarize).toList();
  }

  private static long runOnce(List<String> command, Path output) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectErrorStream(true)
        .redirectOutput(output.toFile());
    builder.environment().remove("OMG_SOCKET");
    long start = System.nanoTime();
    Process process = builder.start();
    if (!process.waitFor(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new IOException(String.join(" ", command) + " did not exit within " + RUN_TIMEOUT_SECONDS + " s");
    }
    long elapsed = System.nanoTime() - start;
    if (process.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " exited with " + process.exitValue() + ": "
          + Files.readString(output, StandardCharsets.UTF_8).strip());
    }
    return elapsed;
  }

  private static Summary summarize(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    return new Summary(Arrays.stream(sorted).average().orElseThrow() / 1e6, median / 1e6);
  }
}
