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
 * @param sequentialWarmUps untimed round trips before the sequential measurement
 * @param sequentialWarmUpLimit the longest the sequential warm-up may take, whatever its count
 * @param sequentialCount timed round trips
 * @param pipelinedWarmUp untimed time before each pipelined measurement
 * @param pipelinedMeasure timed time of each pipelined measurement
 * @param cliWarmUps untimed CLI runs of each command
 * @param cliRuns timed CLI runs of each command
 */
record Options(boolean quick, List<String> servers, int sequentialWarmUps, Duration sequentialWarmUpLimit,
    int sequentialCount, Duration pipelinedWarmUp, Duration pipelinedMeasure, int cliWarmUps, int cliRuns) {

  static final List<String> ALL_SERVERS = List.of("raw", "engine", "grpc");

  static final String USAGE = """
      usage: Bench [--quick] [--only raw,engine,grpc] [--sequential N] [--seconds S]
        --quick          a smoke run: small counts and short durations (under 40 s)
        --only LIST      the servers to run, comma-separated (default: all three)
        --sequential N   timed round trips of the sequential workload (default 20000, quick 2000)
        --seconds S      measured seconds of each pipelined workload (default 5, quick 1.5)""";

  /** Parses the arguments; blank ones are skipped, as a build tool may pass an empty property as one. */
  static Options parse(String... args) {
    boolean quick = false;
    List<String> servers = ALL_SERVERS;
    Integer sequential = null;
    Duration seconds = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i].strip();
      switch (arg) {
        case "" -> { }
        case "--quick" -> quick = true;
        case "--only" -> servers = servers(value(args, ++i, arg));
        case "--sequential" -> sequential = positiveInt(value(args, ++i, arg), arg);
        case "--seconds" -> seconds = positiveSeconds(value(args, ++i, arg), arg);
        default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
      }
    }
    int sequentialCount = sequential != null ? sequential : quick ? 2_000 : 20_000;
    Duration measure = seconds != null ? seconds : quick ? Duration.ofMillis(1_500) : Duration.ofSeconds(5);
    return quick
        ? new Options(true, servers, 2_000, Duration.ofSeconds(2), sequentialCount, Duration.ofSeconds(1), measure,
            1, 3)
        : new Options(false, servers, 20_000, Duration.ofSeconds(5), sequentialCount, Duration.ofSeconds(5), measure,
            2, 10);
  }

  boolean runs(String server) {
    return servers.contains(server);
  }

  private static String value(String[] args, int index, String option) {
    if (index >= args.length || args[index].isBlank()) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return args[index].strip();
  }

  private static List<String> servers(String list) {
    Set<String> chosen = new LinkedHashSet<>();
    for (String name : list.split(",")) {
      if (!ALL_SERVERS.contains(name.strip())) {
        throw new IllegalArgumentException("--only: unknown server '" + name.strip() + "'; known: "
            + String.join(", ", ALL_SERVERS));
      }
      chosen.add(name.strip());
    }
    // Table order, whatever order they were named in.
    List<String> ordered = new ArrayList<>(ALL_SERVERS);
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
