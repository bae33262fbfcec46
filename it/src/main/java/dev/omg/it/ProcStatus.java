package dev.omg.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What Linux reports about a process in {@code /proc/<pid>/status}: its thread count and resident memory. Used by
 * the system tests and the benchmark to count what connections cost an engine.
 *
 * @param threads the {@code Threads:} line
 * @param rssKib the {@code VmRSS:} line, in KiB
 */
public record ProcStatus(int threads, long rssKib) {
  private static final Duration SAMPLE_INTERVAL = Duration.ofMillis(100);

  /** Reads the process's status now. */
  public static ProcStatus of(long pid) throws IOException {
    return parse(Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")), pid);
  }

  /** The two lines of a status file's {@code lines}; {@code pid} names the process in an error. */
  static ProcStatus parse(List<String> lines, long pid) throws IOException {
    return new ProcStatus((int) field(lines, "Threads:", pid), field(lines, "VmRSS:", pid));
  }

  /**
   * Samples the process until its thread count has stayed the same for {@code stableFor} (threads that were just
   * started or are about to retire have then come and gone), or until {@code deadline} has passed; returns the
   * last sample either way, so that a count still moving at the deadline is what the caller judges.
   */
  public static ProcStatus settled(long pid, Duration stableFor, Duration deadline)
      throws IOException, InterruptedException {
    long end = System.nanoTime() + deadline.toNanos();
    ProcStatus last = of(pid);
    long stableSince = System.nanoTime();
    while (System.nanoTime() - stableSince < stableFor.toNanos() && System.nanoTime() < end) {
      Thread.sleep(SAMPLE_INTERVAL.toMillis());
      ProcStatus next = of(pid);
      if (next.threads != last.threads) {
        stableSince = System.nanoTime();
      }
      last = next;
    }
    return last;
  }

  private static long field(List<String> lines, String name, long pid) throws IOException {
    for (String line : lines) {
      if (line.startsWith(name)) {
        // e.g. "VmRSS:	  123456 kB" or "Threads:	42"
        return Long.parseLong(line.substring(name.length()).strip().split("\\s+")[0]);
      }
    }
    throw new IOException("/proc/" + pid + "/status has no " + name + " line");
  }
}
