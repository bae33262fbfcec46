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
  /** The table's rows. */
  enum Metric {
    SEQUENTIAL_P50("sequential 64 B, p50 (µs)", "%,.1f"),
    SEQUENTIAL_P99("sequential 64 B, p99 (µs)", "%,.1f"),
    SEQUENTIAL_P999("sequential 64 B, p99.9 (µs)", "%,.1f"),
    PIPELINED("pipelined 64 B (req/s)", "%,.0f"),
    LARGE("pipelined 16 KiB (MB/s)", "%,.1f"),
    CLI_MEAN("CLI ping, mean (ms)", "%,.1f"),
    CLI_MEDIAN("CLI ping, median (ms)", "%,.1f");

    final String label;
    final String format;

    Metric(String label, String format) {
      this.label = label;
      this.format = format;
    }
  }

  private static final List<String> COLUMNS = Options.ALL_SERVERS;

  private final ZonedDateTime started = ZonedDateTime.now(ZoneOffset.UTC);
  private final Map<String, Map<Metric, Double>> values = new HashMap<>();
  private final Map<String, Set<Metric>> failed = new HashMap<>();
  private final List<String> notes = new ArrayList<>();
  private final String loadAtStart = Machine.loadAverage();

  void put(String column, Metric metric, double value) {
    values.computeIfAbsent(column, c -> new EnumMap<>(Metric.class)).put(metric, value);
  }

  void fail(String column, Set<Metric> metrics, String note) {
    failed.computeIfAbsent(column, c -> EnumSet.noneOf(Metric.class)).addAll(metrics);
    notes.add(note);
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
      boolean cli = metric == Metric.CLI_MEAN || metric == Metric.CLI_MEDIAN;
      out.append("| ").append(metric.label);
      for (String column : COLUMNS) {
        out.append(" | ").append(cli && column.equals("grpc") ? "-" : cell(column, metric));
      }
      out.append(" | ").append(ratio(metric, "raw"));
      out.append(" | ").append(cli ? "-" : ratio(metric, "grpc"));
      out.append(" |\n");
    }
    out.append('\n');
    legend(out, options);
    if (!notes.isEmpty()) {
      out.append("\nFailures:\n\n");
      notes.forEach(note -> out.append("- ").append(note).append('\n'));
    }
    wireSize(out, wire, typicalMapJson);
    return out.toString();
  }

  private static void legend(StringBuilder out, Options options) {
    out.append("- **raw**: a hand-written JDK Unix-socket echo server (a thread per connection, blocking buffered ")
        .append("streams, same 4-byte length framing, flush only when no further request is buffered), in the ")
        .append("benchmark JVM. The floor for latency, the bar for throughput.\n");
    out.append("- **engine**: the real engine jar as its own process (-Xmx512m), its `echo` command, through ")
        .append("`EngineClient` in the benchmark JVM.\n");
    out.append("- **grpc**: grpc-java unary echo of raw bytes (no protobuf) over a Unix socket with Netty epoll, ")
        .append("server and client in the benchmark JVM on their own event loops, direct executors.\n");
    out.append("- **sequential**: one connection, one ").append(Bench.PAYLOAD)
        .append("-byte request at a time; round-trip time from send to reply; ")
        .append(String.format("%,d", options.sequentialCount())).append(" timed round trips after up to ")
        .append(String.format("%,d", options.sequentialWarmUps())).append(" warm-up ones.\n");
    out.append("- **pipelined 64 B**: ").append(Bench.CONNECTIONS).append(" connections x ")
        .append(Bench.WINDOW).append(" requests in flight each; replies per second over ")
        .append(seconds(options.pipelinedMeasure())).append(" s after ").append(seconds(options.pipelinedWarmUp()))
        .append(" s of warm-up.\n");
    out.append("- **pipelined 16 KiB**: the same with ").append(Bench.LARGE_PAYLOAD / 1024).append(" KiB payloads, ")
        .append(Bench.CONNECTIONS).append(" x ").append(Bench.LARGE_WINDOW)
        .append(" in flight; MB/s = 10^6 payload bytes echoed back per second, counted in one direction only ")
        .append("(the socket carries as much again the other way).\n");
    out.append("- **CLI ping**: wall time, start to exit, of a fresh `java -jar omg-engine.jar ping` against the ")
        .append("running engine; the raw column is a fresh JVM that only prints hello, the floor for any JVM CLI; ")
        .append(options.cliRuns()).append(" runs after ").append(options.cliWarmUps())
        .append(" warm-up ones, the two taking turns.\n");
    out.append("- **engine/raw, engine/grpc**: the engine's value divided by the other's, all from this one run. ")
        .append("For µs and ms lower is better (a ratio above 1 means the engine is slower); for req/s and MB/s ")
        .append("higher is better (a ratio below 1 means the engine is slower). `-`: not run or not applicable.\n");
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
    if (engine == null || base == null || base == 0) {
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
