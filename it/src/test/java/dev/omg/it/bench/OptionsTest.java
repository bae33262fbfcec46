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
    assertTrue(quick.cliRuns() < full.cliRuns());
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
