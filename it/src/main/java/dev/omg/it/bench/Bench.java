package dev.omg.it.bench;

import dev.omg.it.EngineProcess;
import dev.omg.it.bench.Report.Metric;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Compares the engine with a hand-written JDK echo server (raw) and with gRPC, side by side in one run on one
 * machine, and prints one markdown table on stdout; progress goes to stderr. docs/performance.md explains the
 * workloads and gives the command. Exits 0 when every measurement succeeded, 1 when some failed (the table says
 * which), 2 on a bad command line.
 */
public final class Bench {
  static final int PAYLOAD = 64;
  static final int LARGE_PAYLOAD = 16 * 1024;
  static final int CONNECTIONS = 4;
  static final int WINDOW = 64;
  /** Smaller than {@link #WINDOW} so that 16 KiB requests in flight stay within the sockets' buffers. */
  static final int LARGE_WINDOW = 16;

  private static final Set<Metric> SEQUENTIAL =
      EnumSet.of(Metric.SEQUENTIAL_P50, Metric.SEQUENTIAL_P99, Metric.SEQUENTIAL_P999);
  private static final Set<Metric> CLI = EnumSet.of(Metric.CLI_MEAN, Metric.CLI_MEDIAN);

  private final Options options;
  private final PrintStream out;
  private final PrintStream err;
  private final Report report = new Report();

  private Bench(Options options, PrintStream out, PrintStream err) {
    this.options = options;
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) throws Exception {
    // µ and … must survive a POSIX locale, as the table is meant to be pasted into docs.
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("bench: " + e.getMessage());
      err.println(Options.USAGE);
      System.exit(2);
      return;
    }
    System.exit(new Bench(options, out, err).run());
  }

  private int run() throws Exception {
    Machine machine = Machine.current();
    err.println("omg-engine benchmark (" + (options.quick() ? "quick" : "full") + "): " + machine.describe());
    Path directory = Files.createTempDirectory("omg-bench-");
    List<EchoTarget> targets = new ArrayList<>();
    try (Workloads workloads = new Workloads(err)) {
      for (String server : options.servers()) {
        start(server, directory, targets);
      }
      for (EchoTarget target : targets) {
        measure(target, SEQUENTIAL, "sequential", () -> {
          Workloads.Latency latency = workloads.sequential(target, PAYLOAD, options.sequentialWarmUps(),
              options.sequentialWarmUpLimit(), options.sequentialCount());
          report.put(target.name(), Metric.SEQUENTIAL_P50, latency.p50());
          report.put(target.name(), Metric.SEQUENTIAL_P99, latency.p99());
          report.put(target.name(), Metric.SEQUENTIAL_P999, latency.p999());
        });
      }
      for (EchoTarget target : targets) {
        measure(target, Set.of(Metric.PIPELINED), "pipelined 64 B", () -> report.put(target.name(), Metric.PIPELINED,
            workloads.pipelined(target, "pipelined 64 B", new Workloads.Pipeline(CONNECTIONS, WINDOW, PAYLOAD,
                options.pipelinedWarmUp(), options.pipelinedMeasure()))));
      }
      for (EchoTarget target : targets) {
        measure(target, Set.of(Metric.LARGE), "pipelined 16 KiB", () -> {
          double perSecond = workloads.pipelined(target, "pipelined 16 KiB", new Workloads.Pipeline(CONNECTIONS,
              LARGE_WINDOW, LARGE_PAYLOAD, options.pipelinedWarmUp(), options.pipelinedMeasure()));
          report.put(target.name(), Metric.LARGE, perSecond * LARGE_PAYLOAD / 1e6);
        });
      }
      measureCli(directory, targets);
    } finally {
      for (int i = targets.size() - 1; i >= 0; i--) {
        close(targets.get(i));
      }
      deleteRecursively(directory);
    }
    List<WireSize.Row> wire = WireSize.measure();
    out.print(report.render(machine, options, wire, WireSize.typicalMapAsJson()));
    out.flush();
    return report.hasFailures() ? 1 : 0;
  }

  private void start(String server, Path directory, List<EchoTarget> targets) {
    err.println("[" + server + "] starting…");
    try {
      targets.add(switch (server) {
        case "raw" -> RawTarget.start(directory);
        case "engine" -> EngineTarget.start(directory);
        case "grpc" -> GrpcTarget.start(directory);
        default -> throw new IllegalArgumentException("unknown server " + server);
      });
    } catch (Exception | LinkageError e) {
      // A missing native library (epoll) surfaces as a LinkageError; the other columns are still worth having.
      failed(server, EnumSet.allOf(Metric.class), "start", e);
    }
  }

  /** The CLI row: the engine's ping against a JVM that only says hello, each a fresh process. */
  private void measureCli(Path directory, List<EchoTarget> targets) {
    List<String> columns = new ArrayList<>();
    List<List<String>> commands = new ArrayList<>();
    if (options.runs("raw")) {
      columns.add("raw");
      commands.add(List.of(EngineProcess.java(), "-cp", ownClasses().toString(), Hello.class.getName()));
    }
    for (EchoTarget target : targets) {
      if (target instanceof EngineTarget engine) {
        columns.add("engine");
        commands.add(List.of(EngineProcess.java(), "-jar", EngineProcess.jar().toString(), "ping", "--socket",
            engine.socket().toString()));
      }
    }
    if (commands.isEmpty()) {
      return;
    }
    try {
      List<ProcessTimes.Summary> summaries = ProcessTimes.measure(commands, options.cliWarmUps(), options.cliRuns(),
          directory, message -> err.println("[cli] " + String.join(" and ", columns) + ": " + message));
      for (int i = 0; i < columns.size(); i++) {
        report.put(columns.get(i), Metric.CLI_MEAN, summaries.get(i).meanMillis());
        report.put(columns.get(i), Metric.CLI_MEDIAN, summaries.get(i).medianMillis());
      }
    } catch (Exception e) {
      columns.forEach(column -> failed(column, CLI, "CLI ping", e));
    }
  }

  private void measure(EchoTarget target, Set<Metric> metrics, String workload, Measurement measurement) {
    try {
      measurement.run();
    } catch (Exception e) {
      failed(target.name(), metrics, workload, e);
    }
  }

  private void failed(String column, Set<Metric> metrics, String what, Throwable e) {
    String note = "[" + column + "] " + what + " failed: " + e;
    err.println(note);
    report.fail(column, metrics, note.replace('\n', ' '));
  }

  private void close(EchoTarget target) {
    try {
      target.close();
    } catch (Exception e) {
      err.println("[" + target.name() + "] close failed: " + e);
    }
  }

  /** The directory this class was loaded from, the classpath of the hello JVM. */
  private static Path ownClasses() {
    try {
      return Path.of(Hello.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void deleteRecursively(Path directory) throws IOException {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  @FunctionalInterface
  private interface Measurement {
    void run() throws Exception;
  }
}
