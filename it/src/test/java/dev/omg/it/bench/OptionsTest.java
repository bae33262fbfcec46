package dev.omg.it.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OptionsTest {
  @Test
  void noArgumentsRunTheFullBenchmarkOnAllServers() {
    Options options = Options.parse();
    assertEquals(List.of("raw", "engine", "grpc"), options.servers());
    assertEquals(20_000, options.sequentialCount());
    assertEquals(Duration.ofSeconds(5), options.pipelinedMeasure());
  }

  @Test
  void blankArgumentsFromAnEmptyBuildPropertyAreIgnored() {
    assertEquals(Options.parse(), Options.parse("", " "));
  }

  @Test
  void quickShortensEveryWorkload() {
    Options quick = Options.parse("--quick");
    Options full = Options.parse();
    assertTrue(quick.quick());
    assertTrue(quick.sequentialCount() < full.sequentialCount());
    assertTrue(quick.pipelinedMeasure().compareTo(full.pipelinedMeasure()) < 0);
    assertTrue(quick.connectCount() < full.connectCount());
    assertTrue(quick.cliRuns() < full.cliRuns());
    assertTrue(quick.starts() < full.starts());
  }

  @Test
  void explicitCountsOverrideQuick() {
    Options options = Options.parse("--quick", "--sequential", "500", "--seconds", "0.5");
    assertEquals(500, options.sequentialCount());
    assertEquals(Duration.ofMillis(500), options.pipelinedMeasure());
  }

  @Test
  void onlyKeepsTheTableOrder() {
    assertEquals(List.of("raw", "grpc"), Options.parse("--only", "grpc,raw").servers());
  }

  @Test
  void rejectsAnUnknownServer() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--only", "raw,http"));
    assertEquals("--only: unknown server 'http'; known: raw, engine, grpc", e.getMessage());
  }

  @Test
  void noArgumentsMeasureEveryRow() {
    assertEquals(List.of("sequential", "pipelined", "large", "connect", "idle", "cli", "startup", "cluster"),
        Options.parse().rows());
  }

  @Test
  void rowsKeepTheTableOrder() {
    Options options = Options.parse("--rows", "idle,connect");
    assertEquals(List.of("connect", "idle"), options.rows());
    assertTrue(options.measures("idle"));
    assertTrue(!options.measures("sequential"));
  }

  @Test
  void rejectsAnUnknownRow() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--rows", "connect,latency"));
    assertEquals("--rows: unknown row 'latency'; known: sequential, pipelined, large, connect, idle, cli, startup, cluster",
        e.getMessage());
  }

  @Test
  void explicitRowCountsOverrideQuick() {
    Options options = Options.parse("--quick", "--connects", "50", "--cli-runs", "2", "--starts", "1");
    assertEquals(50, options.connectCount());
    assertEquals(2, options.cliRuns());
    assertEquals(1, options.starts());
  }

  @Test
  void theFullCliRowsTimeAtLeastTwentyRunsOfEachCommand() {
    assertEquals(20, Options.parse().cliRuns());
  }

  @Test
  void rejectsAnUnknownOption() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Options.parse("--fast"));
    assertEquals("unknown option '--fast'", e.getMessage());
  }

  @Test
  void rejectsANonPositiveCount() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Options.parse("--sequential", "0"));
    assertEquals("--sequential needs a positive whole number, got '0'", e.getMessage());
  }

  @Test
  void rejectsAMissingValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Options.parse("--seconds"));
    assertEquals("--seconds needs a value", e.getMessage());
  }
}
