package dev.omg.it.bench;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Collects the measurements of one run and prints them as one markdown table with its legend. */
final class Report {
  /** The table's rows, each filled by the workload of one row group ({@link Options#ALL_ROWS}). */
  enum Metric {
    SEQUENTIAL_P50("sequential", "sequential 64 B, p50 (µs)", "%,.1f", Options.ALL_SERVERS),
    SEQUENTIAL_P99("sequential", "sequential 64 B, p99 (µs)", "%,.1f", Options.ALL_SERVERS),
    SEQUENTIAL_P999("sequential", "sequential 64 B, p99.9 (µs)", "%,.1f", Options.ALL_SERVERS),
    PIPELINED("pipelined", "pipelined 64 B (req/s)", "%,.0f", Options.ALL_SERVERS),
    LARGE("large", "pipelined 16 KiB (MB/s)", "%,.1f", Options.ALL_SERVERS),
    CONNECT_P50("connect", "new connection + hello + first reply, p50 (µs)", "%,.1f", RAW_AND_ENGINE),
    CONNECT_P99("connect", "new connection + hello + first reply, p99 (µs)", "%,.1f", RAW_AND_ENGINE),
    IDLE_THREADS("idle", "1,000 idle connections open: threads added", "%,.0f", RAW_AND_ENGINE),
    IDLE_RSS("idle", "1,000 idle connections open: RSS added (MiB)", "%,.1f", RAW_AND_ENGINE),
    CLOSED_THREADS("idle", "1,000 idle connections closed: threads added", "%,.0f", RAW_AND_ENGINE),
    CLOSED_RSS("idle", "1,000 idle connections closed: RSS added (MiB)", "%,.1f", RAW_AND_ENGINE),
    CLI_PING_MEDIAN("cli", "CLI ping (%s), median (ms)", "%,.1f", RAW_AND_ENGINE),
    CLI_PING_P90("cli", "CLI ping (%s), p90 (ms)", "%,.1f", RAW_AND_ENGINE),
    CLI_STATUS_MEDIAN("cli", "CLI status (%s), median (ms)", "%,.1f", RAW_AND_ENGINE),
    CLI_STATUS_P90("cli", "CLI status (%s), p90 (ms)", "%,.1f", RAW_AND_ENGINE),
    CLI25_PING_MEDIAN("cli", "CLI ping on Java 25 (%s), median (ms)", "%,.1f", RAW_AND_ENGINE),
    CLI25_PING_P90("cli", "CLI ping on Java 25 (%s), p90 (ms)", "%,.1f", RAW_AND_ENGINE),
    CLI25_STATUS_MEDIAN("cli", "CLI status on Java 25 (%s), median (ms)", "%,.1f", RAW_AND_ENGINE),
    CLI25_STATUS_P90("cli", "CLI status on Java 25 (%s), p90 (ms)", "%,.1f", RAW_AND_ENGINE),
    START_MEDIAN("startup", "engine start to first answer (%s), median (ms)", "%,.0f", RAW_AND_ENGINE),
    AUTO_START_MEDIAN("startup", "auto-start to pong (%s), median (ms)", "%,.0f", List.of("engine")),
    CLUSTER_LOCAL_P50("cluster", "cluster: local echo, sequential 64 B, p50 (µs)", "%,.1f", List.of("engine")),
    CLUSTER_LOCAL_P99("cluster", "cluster: local echo, sequential 64 B, p99 (µs)", "%,.1f", List.of("engine")),
    CLUSTER_REMOTE_P50("cluster", "cluster: clustered echo (1 worker), sequential 64 B, p50 (µs)", "%,.1f",
        List.of("engine")),
    CLUSTER_REMOTE_P99("cluster", "cluster: clustered echo (1 worker), sequential 64 B, p99 (µs)", "%,.1f",
        List.of("engine")),
    CLUSTER_HOP_RATIO("cluster", "cluster: clustered / local echo, p50 (ratio)", "%.2f", List.of("engine")),
    CLUSTER_ONE_WORKER("cluster", "cluster: reindex of " + String.format("%,d", ClusterRow.REINDEX_PACKAGES)
        + " packages, 1 worker (req/s)", "%,.1f", List.of("engine")),
    CLUSTER_TWO_WORKERS("cluster", "cluster: reindex of " + String.format("%,d", ClusterRow.REINDEX_PACKAGES)
        + " packages, 2 workers (req/s)", "%,.1f", List.of("engine")),
    CLUSTER_ONE_WORKER_CORES("cluster", "cluster: reindex, 1 worker: the worker's CPU (cores)", "%.2f",
        List.of("engine")),
    CLUSTER_TWO_WORKERS_CORES("cluster", "cluster: reindex, 2 workers: the workers' CPU (cores)", "%.2f",
        List.of("engine")),
    CLUSTER_SCALING("cluster", "cluster: reindex, 2 workers / 1 worker (ratio)", "%.2f", List.of("engine"));

    final String row;
    final String label;
    final String format;
    /** The columns this row has a value in; the others print {@code -}. */
    final List<String> columns;

    Metric(String row, String label, String format, List<String> columns) {
      this.row = row;
      this.label = label;
      this.format = format;
      this.columns = columns;
    }

    /** The label, with the command line that was timed where the label names one. */
    String label(String launcher) {
      return label.contains("%s") ? String.format(label, launcher) : label;
    }
  }

  /** The rows with no grpc value: a new connection, idle connections, the CLI and start-up. */
  private static final List<String> RAW_AND_ENGINE = List.of("raw", "engine");

  private static final List<String> COLUMNS = Options.ALL_SERVERS;

  private final ZonedDateTime started = ZonedDateTime.now(ZoneOffset.UTC);
  private final Map<String, Map<Metric, Double>> values = new HashMap<>();
  private final Map<String, Set<Metric>> failed = new HashMap<>();
  private final List<String> notes = new ArrayList<>();
  private final List<String> remarks = new ArrayList<>();
  private final String loadAtStart = Machine.loadAverage();
  private String launcher = "bin/omg";

  void put(String column, Metric metric, double value) {
    values.computeIfAbsent(column, c -> new EnumMap<>(Metric.class)).put(metric, value);
  }

  void fail(String column, Set<Metric> metrics, String note) {
    failed.computeIfAbsent(column, c -> EnumSet.noneOf(Metric.class)).addAll(metrics);
    notes.add(note);
  }

  /** How the CLI and start-up rows ran the engine's command line, e.g. {@code bin/omg}; named in their labels. */
  void launcher(String launcher) {
    this.launcher = launcher;
  }

  /** A line under the table that is not a failure, e.g. rows skipped because the machine lacks a JDK. */
  void note(String remark) {
    remarks.add(remark);
  }

  boolean hasFailures() {
    return !notes.isEmpty();
  }

  String render(Machine machine, Options options, List<WireSize.Row> wire, String typicalMapJson) {
    StringBuilder out = new StringBuilder();
    out.append("### omg-engine benchmark, ").append(options.quick() ? "quick" : "full").append(" run, ")
        .append(started.format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"))).append("\n\n");
    out.append("Machine: ").append(machine.describe()).append("\n\n");
    out.append("Load average (1 min) as the run started, before any load of its own: ").append(loadAtStart)
        .append(" (near 0 on a quiet machine; towards nproc, other work was sharing the cores).\n\n");
    out.append("| metric | raw | engine | grpc | engine/raw | engine/grpc |\n");
    out.append("|---|---:|---:|---:|---:|---:|\n");
    for (Metric metric : Metric.values()) {
      if (!options.measures(metric.row)) {
        continue;
      }
      out.append("| ").append(metric.label(launcher));
      for (String column : COLUMNS) {
        out.append(" | ").append(metric.columns.contains(column) ? cell(column, metric) : "-");
      }
      out.append(" | ").append(ratio(metric, "raw"));
      out.append(" | ").append(ratio(metric, "grpc"));
      out.append(" |\n");
    }
    out.append('\n');
    legend(out, options);
    if (!remarks.isEmpty()) {
      out.append("\nNotes:\n\n");
      remarks.forEach(remark -> out.append("- ").append(remark).append('\n'));
    }
    if (!notes.isEmpty()) {
      out.append("\nFailures:\n\n");
      notes.forEach(note -> out.append("- ").append(note).append('\n'));
    }
    wireSize(out, wire, typicalMapJson);
    return out.toString();
  }

  private void legend(StringBuilder out, Options options) {
    out.append("- **raw**: a hand-written JDK Unix-socket echo server (a thread per connection, blocking buffered ")
        .append("streams, same 4-byte length framing, flush only when no further request is buffered), in the ")
        .append("benchmark JVM. The floor for latency, the bar for throughput.\n");
    out.append("- **engine**: the real engine jar as its own process (-Xmx512m), its `echo` command, through ")
        .append("`EngineClient` in the benchmark JVM.\n");
    out.append("- **grpc**: grpc-java unary echo of raw bytes (no protobuf) over a Unix socket with Netty epoll, ")
        .append("server and client in the benchmark JVM on their own event loops, direct executors.\n");
    if (options.measures("sequential")) {
      out.append("- **sequential**: one connection, one ").append(Bench.PAYLOAD)
          .append("-byte request at a time; round-trip time from send to reply; ")
          .append(String.format("%,d", options.sequentialCount())).append(" timed round trips after up to ")
          .append(String.format("%,d", options.sequentialWarmUps())).append(" warm-up ones.\n");
    }
    if (options.measures("pipelined")) {
      out.append("- **pipelined 64 B**: ").append(Bench.CONNECTIONS).append(" connections x ")
          .append(Bench.WINDOW).append(" requests in flight each; replies per second over ")
          .append(seconds(options.pipelinedMeasure())).append(" s after ")
          .append(seconds(options.pipelinedWarmUp())).append(" s of warm-up.\n");
    }
    if (options.measures("large")) {
      out.append("- **pipelined 16 KiB**: the same with ").append(Bench.LARGE_PAYLOAD / 1024)
          .append(" KiB payloads, ").append(Bench.CONNECTIONS).append(" x ").append(Bench.LARGE_WINDOW)
          .append(" in flight; MB/s = 10^6 payload bytes echoed back per second, counted in one direction only ")
          .append("(the socket carries as much again the other way).\n");
    }
    if (options.measures("connect")) {
      out.append("- **new connection + hello + first reply**: connect, one ").append(Bench.PAYLOAD)
          .append("-byte echo, close, timed from before the connect to after the close; engine through ")
          .append("`EngineClient.connect` (which exchanges hellos), raw a JDK socket and one echo (it has no ")
          .append("hello); every reply checked; ").append(String.format("%,d", options.connectCount()))
          .append(" timed after ").append(String.format("%,d", options.connectWarmUps())).append(" warm-up ones.\n");
    }
    if (options.measures("idle")) {
      out.append("- **1,000 idle connections**: a fresh server process of each kind (engine: -Xmx512m, ")
          .append("max-connections 2048; raw: the same echo server alone in a -Xmx512m JVM), idle after the one ")
          .append("connection that found it ready; then ").append(String.format("%,d", IdleRow.CONNECTIONS))
          .append(" connections that each did its hello (raw: one echo) and stay idle. Threads and VmRSS from ")
          .append("`/proc/<pid>/status`, each sampled once the thread count has held still for ")
          .append(IdleRow.SETTLE.toMillis()).append(" ms (at most ").append(IdleRow.SETTLE_DEADLINE.toSeconds())
          .append(" s); \"open\" is the sample with all of them open minus the one before, \"closed\" the one ")
          .append("after they all closed minus the one before.\n");
    }
    if (options.measures("cli")) {
      out.append("- **CLI ping, status**: wall time, start to exit, of a fresh `").append(launcher)
          .append(" ping|status` process against the running engine; the raw column is a fresh JVM of the ")
          .append("same Java that only prints hello, the floor for any JVM CLI; ").append(options.cliRuns())
          .append(" runs of each after ").append(options.cliWarmUps())
          .append(" warm-up ones, all commands taking turns. On Java 25: the same with that JDK.\n");
    }
    if (options.measures("startup")) {
      out.append("- **engine start to first answer**: `").append(launcher)
          .append(" serve` on a fresh socket, timed from the spawn until a connect, hello and ping succeed ")
          .append("(polled every ").append(StartRows.POLL.toMillis()).append(" ms); raw: the echo server alone ")
          .append("in a fresh JVM until a connect and one echo succeed. **auto-start to pong**: `").append(launcher)
          .append(" ping --auto-start` with no engine running, start to exit 0. Median of ")
          .append(options.starts()).append(" runs each, after one untimed one.\n");
    }
    if (options.measures("cluster")) {
      out.append("- **cluster**: a fresh engine (-Xmx512m) whose `cluster-echo` (the built-in echo handler) and ")
          .append("`reindex` (the example application's, it/example-app/pkgindex-cluster.conf) are served by ")
          .append("worker nodes (`serve --worker`, -Xmx512m each), all on this machine over 127.0.0.1. Echo: the ")
          .append("sequential workload against the engine's local `echo`, then against `cluster-echo` on one ")
          .append("worker, in the same run; the ratio is clustered p50 / local p50, the cost of the hop to the ")
          .append("worker and back. Reindex: ").append(ClusterRow.REINDEX_CLIENTS)
          .append(" clients each keeping one `reindex ").append(ClusterRow.REINDEX_PACKAGES)
          .append("` in flight (CPU-bound, 7 to 10 ms of CPU warm; one at a time on each worker, `instances = 1`), ")
          .append("replies per second over ").append(seconds(options.pipelinedMeasure())).append(" s after ")
          .append(seconds(options.pipelinedWarmUp())).append(" s of warm-up, first with two workers (both ")
          .append("started together, so they warm up alike), then again after the second has left (SIGTERM); ")
          .append("every reply checked (OK, the same digest). The workers' CPU is their ")
          .append("processes' CPU time over the measured interval divided by its length (at most 1 core per worker ")
          .append("here); the scaling ratio is bounded by the cores the workers get: engine, clients, workers and ")
          .append("anything else running share them.\n");
    }
    out.append("- **engine/raw, engine/grpc**: the engine's value divided by the other's, all from this one run. ")
        .append("For µs, ms, threads and MiB lower is better (a ratio above 1 means the engine is slower or ")
        .append("costs more); for req/s and MB/s higher is better (a ratio below 1 means the engine is slower). ")
        .append("`-`: not run, not applicable, or a baseline of 0 or less.\n");
  }

  private static void wireSize(StringBuilder out, List<WireSize.Row> wire, String typicalMapJson) {
    out.append("\n### Wire size\n\n");
    out.append("Frame payload bytes of one envelope (the 4-byte length header, the same for both, not counted). ")
        .append("Kryo: the engine's codec (`KryoCodec.encode`); JSON: Jackson with nulls left out, byte[] as ")
        .append("base64. Request id 42, command `echo`; the map is `").append(typicalMapJson).append("`.\n\n");
    out.append("| message | Kryo (B) | JSON (B) | JSON/Kryo |\n");
    out.append("|---|---:|---:|---:|\n");
    for (WireSize.Row row : wire) {
      out.append("| ").append(row.message()).append(" | ").append(row.kryoBytes()).append(" | ")
          .append(row.jsonBytes()).append(" | ")
          .append(String.format("%.2f", (double) row.jsonBytes() / row.kryoBytes())).append(" |\n");
    }
  }

  private String cell(String column, Metric metric) {
    Double value = value(column, metric);
    if (value != null) {
      return String.format(metric.format, value);
    }
    return failed.getOrDefault(column, Set.of()).contains(metric) ? "failed" : "-";
  }

  private String ratio(Metric metric, String other) {
    Double engine = value("engine", metric);
    Double base = value(other, metric);
    // A count or size added can be 0 or below (memory returned); a ratio to it says nothing.
    if (!metric.columns.contains(other) || engine == null || base == null || base <= 0) {
      return "-";
    }
    double ratio = engine / base;
    // Two significant digits at least, so a ratio far below 1 does not print as 0.00.
    return String.format(ratio < 0.1 ? "%.2g" : "%.2f", ratio);
  }

  private Double value(String column, Metric metric) {
    return values.getOrDefault(column, Map.of()).get(metric);
  }

  private static String seconds(Duration duration) {
    return String.format("%.1f", duration.toMillis() / 1000.0);
  }
}
