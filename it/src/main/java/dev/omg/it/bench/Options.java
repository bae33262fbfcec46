package dev.omg.it.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The benchmark's command line.
 *
 * @param quick the smoke-run sizes rather than the full ones
 * @param servers the columns to fill, in table order
 * @param rows the groups of rows to measure, in table order
 * @param sequentialWarmUps untimed round trips before the sequential measurement
 * @param sequentialWarmUpLimit the longest the sequential warm-up may take, whatever its count
 * @param sequentialCount timed round trips
 * @param pipelinedWarmUp untimed time before each pipelined measurement
 * @param pipelinedMeasure timed time of each pipelined measurement
 * @param connectWarmUps untimed new connections before the new-connection measurement
 * @param connectCount timed new connections
 * @param cliWarmUps untimed CLI runs of each command
 * @param cliRuns timed CLI runs of each command
 * @param starts timed runs of each start-up row (engine start, auto-start)
 */
record Options(boolean quick, List<String> servers, List<String> rows, int sequentialWarmUps,
    Duration sequentialWarmUpLimit, int sequentialCount, Duration pipelinedWarmUp, Duration pipelinedMeasure,
    int connectWarmUps, int connectCount, int cliWarmUps, int cliRuns, int starts) {

  static final List<String> ALL_SERVERS = List.of("raw", "engine", "grpc");
  /** Groups of rows, each measured by one workload; see docs/performance.md. */
  static final List<String> ALL_ROWS =
      List.of("sequential", "pipelined", "large", "connect", "idle", "cli", "startup", "cluster");

  static final String USAGE = """
      usage: Bench [--quick] [--only raw,engine,grpc] [--rows LIST] [--sequential N] [--seconds S]
                   [--connects N] [--cli-runs N] [--starts N]
        --quick          a smoke run: small counts and short durations
        --only LIST      the servers to run, comma-separated (default: all three)
        --rows LIST      the rows to measure, comma-separated (default: all):
                         sequential, pipelined, large, connect, idle, cli, startup, cluster
        --sequential N   timed round trips of the sequential workload (default 20000, quick 2000)
        --seconds S      measured seconds of each pipelined workload (default 5, quick 1.5)
        --connects N     timed new connections of the connect row (default 5000, quick 500)
        --cli-runs N     timed runs of each CLI command (default 20, quick 3)
        --starts N       timed runs of each start-up row (default 5, quick 2)""";

  /** Parses the arguments; blank ones are skipped, as a build tool may pass an empty property as one. */
  static Options parse(String... args) {
    boolean quick = false;
    List<String> servers = ALL_SERVERS;
    List<String> rows = ALL_ROWS;
    Integer sequential = null;
    Duration seconds = null;
    Integer connects = null;
    Integer cliRuns = null;
    Integer starts = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i].strip();
      switch (arg) {
        case "" -> { }
        case "--quick" -> quick = true;
        case "--only" -> servers = subset(value(args, ++i, arg), ALL_SERVERS, "--only", "server");
        case "--rows" -> rows = subset(value(args, ++i, arg), ALL_ROWS, "--rows", "row");
        case "--sequential" -> sequential = positiveInt(value(args, ++i, arg), arg);
        case "--seconds" -> seconds = positiveSeconds(value(args, ++i, arg), arg);
        case "--connects" -> connects = positiveInt(value(args, ++i, arg), arg);
        case "--cli-runs" -> cliRuns = positiveInt(value(args, ++i, arg), arg);
        case "--starts" -> starts = positiveInt(value(args, ++i, arg), arg);
        default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
      }
    }
    int sequentialCount = sequential != null ? sequential : quick ? 2_000 : 20_000;
    Duration measure = seconds != null ? seconds : quick ? Duration.ofMillis(1_500) : Duration.ofSeconds(5);
    int connectCount = connects != null ? connects : quick ? 500 : 5_000;
    int cliCount = cliRuns != null ? cliRuns : quick ? 3 : 20;
    int startCount = starts != null ? starts : quick ? 2 : 5;
    return quick
        ? new Options(true, servers, rows, 2_000, Duration.ofSeconds(2), sequentialCount, Duration.ofSeconds(1),
            measure, 100, connectCount, 1, cliCount, startCount)
        : new Options(false, servers, rows, 20_000, Duration.ofSeconds(5), sequentialCount, Duration.ofSeconds(5),
            measure, 1_000, connectCount, 3, cliCount, startCount);
  }

  boolean runs(String server) {
    return servers.contains(server);
  }

  boolean measures(String row) {
    return rows.contains(row);
  }

  private static String value(String[] args, int index, String option) {
    if (index >= args.length || args[index].isBlank()) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[index].strip();
  }

  /** The names chosen from {@code list}, in the order of {@code known} whatever order they were given in. */
  private static List<String> subset(String list, List<String> known, String option, String what) {
    Set<String> chosen = new LinkedHashSet<>();
    for (String name : list.split(",")) {
      if (!known.contains(name.strip())) {
        throw new IllegalArgumentException(option + ": unknown " + what + " '" + name.strip() + "'; known: "
            + String.join(", ", known));
      }
      chosen.add(name.strip());
    }
    List<String> ordered = new ArrayList<>(known);
    ordered.retainAll(chosen);
    return List.copyOf(ordered);
  }

  private static int positiveInt(String text, String option) {
    try {
      int value = Integer.parseInt(text);
      if (value > 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // Falls through to the one message for every bad value.
    }
    throw new IllegalArgumentException(option + " needs a positive whole number, got '" + text + "'");
  }

  private static Duration positiveSeconds(String text, String option) {
    try {
      double value = Double.parseDouble(text);
      if (value > 0 && value <= 3600) {
        return Duration.ofMillis(Math.round(value * 1000));
      }
    } catch (NumberFormatException e) {
      // Falls through to the one message for every bad value.
    }
    throw new IllegalArgumentException(option + " needs a number of seconds from 0 to 3600, got '" + text + "'");
  }
}
