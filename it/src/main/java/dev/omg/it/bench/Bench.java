package dev.omg.it.bench;

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
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
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
  private static final Set<Metric> CONNECT = EnumSet.of(Metric.CONNECT_P50, Metric.CONNECT_P99);
  private static final Set<Metric> IDLE =
      EnumSet.of(Metric.IDLE_THREADS, Metric.IDLE_RSS, Metric.CLOSED_THREADS, Metric.CLOSED_RSS);
  /** The rows that run against the long-lived servers; the others start processes of their own. */
  private static final Set<String> SHARED_SERVER_ROWS = Set.of("sequential", "pipelined", "large", "connect", "cli");

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
    err.println("omg-engine benchmark (" + (options.quick() ? "quick" : "full") + ", rows "
        + String.join(",", options.rows()) + "): " + machine.describe());
    Launcher launcher = Launcher.find();
    report.launcher(launcher.label());
    Path directory = Files.createTempDirectory("omg-bench-");
    List<EchoTarget> targets = new ArrayList<>();
    try (Workloads workloads = new Workloads(err)) {
      for (String server : options.servers()) {
        if (needsSharedServer(server)) {
          start(server, directory, targets);
        }
      }
      if (options.measures("sequential")) {
        for (EchoTarget target : targets) {
          measure(target, SEQUENTIAL, "sequential", () -> {
            Workloads.Latency latency = workloads.sequential(target, PAYLOAD, options.sequentialWarmUps(),
                options.sequentialWarmUpLimit(), options.sequentialCount());
            report.put(target.name(), Metric.SEQUENTIAL_P50, latency.p50());
            report.put(target.name(), Metric.SEQUENTIAL_P99, latency.p99());
            report.put(target.name(), Metric.SEQUENTIAL_P999, latency.p999());
          });
        }
      }
      if (options.measures("pipelined")) {
        for (EchoTarget target : targets) {
          measure(target, Set.of(Metric.PIPELINED), "pipelined 64 B", () -> report.put(target.name(),
              Metric.PIPELINED, workloads.pipelined(target, "pipelined 64 B", new Workloads.Pipeline(CONNECTIONS,
                  WINDOW, PAYLOAD, options.pipelinedWarmUp(), options.pipelinedMeasure()))));
        }
      }
      if (options.measures("large")) {
        for (EchoTarget target : targets) {
          measure(target, Set.of(Metric.LARGE), "pipelined 16 KiB", () -> {
            double perSecond = workloads.pipelined(target, "pipelined 16 KiB", new Workloads.Pipeline(CONNECTIONS,
                LARGE_WINDOW, LARGE_PAYLOAD, options.pipelinedWarmUp(), options.pipelinedMeasure()));
            report.put(target.name(), Metric.LARGE, perSecond * LARGE_PAYLOAD / 1e6);
          });
        }
      }
      if (options.measures("connect")) {
        for (EchoTarget target : targets) {
          if (target instanceof GrpcTarget) {
            continue;
          }
          measure(target, CONNECT, "new connection + first reply", () -> {
            Workloads.Latency latency = workloads.connects(target, PAYLOAD, options.connectWarmUps(),
                options.connectCount());
            report.put(target.name(), Metric.CONNECT_P50, latency.p50());
            report.put(target.name(), Metric.CONNECT_P99, latency.p99());
          });
        }
      }
      if (options.measures("idle")) {
        measureIdle(directory);
      }
      if (options.measures("cli")) {
        measureCli(directory, launcher, targets);
      }
      if (options.measures("startup")) {
        measureStartup(directory, launcher);
      }
      if (options.measures("cluster") && options.runs("engine")) {
        measureCluster(directory, workloads);
      }
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

  /** grpc serves only the echo workloads; raw and the engine the connect row too, and the engine the CLI. */
  private boolean needsSharedServer(String server) {
    return switch (server) {
      case "grpc" -> options.measures("sequential") || options.measures("pipelined") || options.measures("large");
      case "raw" -> options.rows().stream().anyMatch(row -> SHARED_SERVER_ROWS.contains(row) && !row.equals("cli"));
      default -> options.rows().stream().anyMatch(SHARED_SERVER_ROWS::contains);
    };
  }

  /** The idle-connection rows, each server a fresh process of its own. */
  private void measureIdle(Path directory) {
    for (String server : List.of("raw", "engine")) {
      if (!options.runs(server)) {
        continue;
      }
      Consumer<String> progress = message -> err.println("[" + server + "] idle connections: " + message);
      try {
        IdleRow.Cost cost = server.equals("raw")
            ? IdleRow.raw(directory.resolve("idle-raw"), progress)
            : IdleRow.engine(directory.resolve("idle-engine"), progress);
        report.put(server, Metric.IDLE_THREADS, cost.threadsAddedOpen());
        report.put(server, Metric.IDLE_RSS, cost.mibAddedOpen());
        report.put(server, Metric.CLOSED_THREADS, cost.threadsAddedClosed());
        report.put(server, Metric.CLOSED_RSS, cost.mibAddedClosed());
      } catch (Exception e) {
        failed(server, IDLE, "1,000 idle connections", e);
      }
    }
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

  /** One CLI command to time and the rows its median and p90 go to (the hello JVM's to both commands' rows). */
  private record Timed(ProcessTimes.Command command, String column, List<Metric> medians, List<Metric> p90s) {}

  /**
   * The CLI rows: ping and status against the running engine, each a fresh process, against a JVM that only says
   * hello; on this JDK and on Java 25 where the machine has it, all taking turns.
   */
  private void measureCli(Path directory, Launcher launcher, List<EchoTarget> targets) {
    Optional<Path> engineSocket = targets.stream().filter(EngineTarget.class::isInstance)
        .map(target -> ((EngineTarget) target).socket()).findFirst();
    List<Timed> timed = new ArrayList<>();
    addCli(timed, launcher, Launcher.currentJavaHome(), "", engineSocket, Metric.CLI_PING_MEDIAN,
        Metric.CLI_PING_P90, Metric.CLI_STATUS_MEDIAN, Metric.CLI_STATUS_P90);
    Optional<Path> java25 = Launcher.java25();
    if (java25.isPresent()) {
      addCli(timed, launcher, java25.get(), " on Java 25", engineSocket, Metric.CLI25_PING_MEDIAN,
          Metric.CLI25_PING_P90, Metric.CLI25_STATUS_MEDIAN, Metric.CLI25_STATUS_P90);
    } else {
      String note = "no Java 25 JDK at " + System.getProperty("bench.java25", Launcher.DEFAULT_JAVA25.toString())
          + ": the Java 25 rows were not measured";
      err.println("[cli] " + note);
      report.note(note);
    }
    if (timed.isEmpty()) {
      return;
    }
    try {
      List<ProcessTimes.Summary> summaries = ProcessTimes.measure(timed.stream().map(Timed::command).toList(),
          options.cliWarmUps(), options.cliRuns(), directory, message -> err.println("[cli] " + message));
      for (int i = 0; i < timed.size(); i++) {
        Timed t = timed.get(i);
        for (Metric median : t.medians()) {
          report.put(t.column(), median, summaries.get(i).medianMillis());
        }
        for (Metric p90 : t.p90s()) {
          report.put(t.column(), p90, summaries.get(i).p90Millis());
        }
      }
    } catch (Exception e) {
      for (Timed t : timed) {
        Set<Metric> metrics = EnumSet.noneOf(Metric.class);
        metrics.addAll(t.medians());
        metrics.addAll(t.p90s());
        failed(t.column(), metrics, "CLI", e);
      }
    }
  }

  private void addCli(List<Timed> timed, Launcher launcher, Path javaHome, String suffix,
      Optional<Path> engineSocket, Metric pingMedian, Metric pingP90, Metric statusMedian, Metric statusP90) {
    if (options.runs("raw")) {
      ProcessTimes.Command hello = new ProcessTimes.Command("hello JVM" + suffix,
          List.of(Launcher.java(javaHome), "-cp", ownClasses().toString(), Hello.class.getName()), Map.of(),
          "hello");
      // The baseline of both commands' rows: timed once, reported under each.
      timed.add(new Timed(hello, "raw", List.of(pingMedian, statusMedian), List.of(pingP90, statusP90)));
    }
    if (engineSocket.isPresent()) {
      String socket = engineSocket.get().toString();
      timed.add(new Timed(new ProcessTimes.Command(launcher.label() + " ping" + suffix,
          launcher.argv(javaHome, "ping", "--socket", socket), launcher.env(javaHome), "pong"), "engine",
          List.of(pingMedian), List.of(pingP90)));
      timed.add(new Timed(new ProcessTimes.Command(launcher.label() + " status" + suffix,
          launcher.argv(javaHome, "status", "--socket", socket), launcher.env(javaHome), "connections"), "engine",
          List.of(statusMedian), List.of(statusP90)));
    }
  }

  /** Engine start to first answer (raw server start for scale) and auto-start to pong, each a median of runs. */
  private void measureStartup(Path directory, Launcher launcher) {
    StartRows rows = new StartRows(launcher, directory.resolve("startup"));
    Consumer<String> progress = message -> err.println("[startup] " + message);
    if (options.runs("raw")) {
      measureRuns("raw", Metric.START_MEDIAN, "raw server start to first echo", rows::rawStartMillis, progress);
    }
    if (options.runs("engine")) {
      measureRuns("engine", Metric.START_MEDIAN, launcher.label() + " serve to first answer",
          rows::engineStartMillis, progress);
      measureRuns("engine", Metric.AUTO_START_MEDIAN, launcher.label() + " ping --auto-start to exit",
          rows::autoStartMillis, progress);
    }
  }

  /** The cluster rows: an engine and its workers of their own, started and stopped by the row. */
  private void measureCluster(Path directory, Workloads workloads) {
    Set<Metric> metrics = EnumSet.noneOf(Metric.class);
    for (Metric metric : Metric.values()) {
      if (metric.row.equals("cluster")) {
        metrics.add(metric);
      }
    }
    try {
      ClusterRow.Result result = new ClusterRow(directory.resolve("cluster"),
          message -> err.println("[cluster] " + message)).measure(workloads, options);
      report.put("engine", Metric.CLUSTER_LOCAL_P50, result.local().p50());
      report.put("engine", Metric.CLUSTER_LOCAL_P99, result.local().p99());
      report.put("engine", Metric.CLUSTER_REMOTE_P50, result.clustered().p50());
      report.put("engine", Metric.CLUSTER_REMOTE_P99, result.clustered().p99());
      report.put("engine", Metric.CLUSTER_HOP_RATIO, result.clustered().p50() / result.local().p50());
      report.put("engine", Metric.CLUSTER_ONE_WORKER, result.oneWorker().perSecond());
      report.put("engine", Metric.CLUSTER_TWO_WORKERS, result.twoWorkers().perSecond());
      report.put("engine", Metric.CLUSTER_ONE_WORKER_CORES, result.oneWorker().workerCores());
      report.put("engine", Metric.CLUSTER_TWO_WORKERS_CORES, result.twoWorkers().workerCores());
      report.put("engine", Metric.CLUSTER_SCALING, result.twoWorkers().perSecond() / result.oneWorker().perSecond());
    } catch (Exception e) {
      failed("engine", metrics, "cluster", e);
    }
  }

  private void measureRuns(String column, Metric metric, String what, Run run, Consumer<String> progress) {
    try {
      progress.accept(what + ": one untimed run, then " + options.starts() + "…");
      run.millis();
      double[] millis = new double[options.starts()];
      for (int i = 0; i < millis.length; i++) {
        millis[i] = run.millis();
        progress.accept(String.format("%s: run %d of %d, %.0f ms", what, i + 1, millis.length, millis[i]));
      }
      Arrays.sort(millis);
      int n = millis.length;
      double median = n % 2 == 1 ? millis[n / 2] : (millis[n / 2 - 1] + millis[n / 2]) / 2;
      report.put(column, metric, median);
    } catch (Exception e) {
      failed(column, EnumSet.of(metric), what, e);
    }
  }

  @FunctionalInterface
  private interface Run {
    double millis() throws Exception;
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

  /** The directory this class was loaded from, the classpath of the hello JVM and the raw server's own JVM. */
  static Path ownClasses() {
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
