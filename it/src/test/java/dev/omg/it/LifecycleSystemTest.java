package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.client.EngineClient;
import dev.omg.protocol.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starting and stopping the real engine: stop, SIGTERM, a second engine, a crashed one. */
class LifecycleSystemTest {
  private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  @Test
  void stopCommandStopsTheEngineAndRemovesItsSocketAndLock() throws Exception {
    try (EngineProcess engine = EngineProcess.start(dir)) {
      Cli.Result result = Cli.run("stop", "--socket", engine.socket().toString());
      assertEquals(new Cli.Result(0, "stopped the engine at " + engine.socket() + "\n", ""), result);
      assertEquals(0, engine.awaitExit(EXIT_TIMEOUT));
      assertFalse(Files.exists(engine.socket()), "socket removed");
      assertFalse(Files.exists(engine.socket().resolveSibling("engine.lock")), "lock removed");
    }
  }

  @Test
  void sigtermDrainsAndExitsZeroRemovingTheSocket() throws Exception {
    try (EngineProcess engine = EngineProcess.start(dir)) {
      try (EngineClient client = EngineClient.connect(engine.socket())) {
        assertEquals(Status.OK, client.call("ping", null).status());
      }
      assertEquals(0, engine.terminate(EXIT_TIMEOUT), engine.log());
      assertFalse(Files.exists(engine.socket()), "socket removed");
      assertTrue(engine.log().contains("stopped; removed " + engine.socket()), engine.log());
    }
  }

  @Test
  void aSecondServeOnTheSameSocketExitsNonZeroNamingTheRunningPid() throws Exception {
    try (EngineProcess engine = EngineProcess.start(dir)) {
      Cli.Result second = Cli.run("serve", "--socket", engine.socket().toString());
      assertEquals(1, second.exitCode());
      assertEquals("omg-engine: already running (pid " + engine.pid() + ") on " + engine.socket() + "\n",
          second.stderr());
      try (EngineClient client = EngineClient.connect(engine.socket())) {
        assertEquals(Status.OK, client.call("ping", null).status(), "the first engine still serves");
      }
    }
  }

  @Test
  void theNextEngineReplacesTheSocketLeftByAKilledOne() throws Exception {
    Path socket;
    try (EngineProcess crashed = EngineProcess.start(dir)) {
      socket = crashed.socket();
      crashed.process().destroyForcibly().waitFor();
    }
    assertTrue(Files.exists(socket), "kill -9 leaves the socket file behind");
    try (EngineProcess next = EngineProcess.start(dir)) {
      assertTrue(next.log().contains("removed a stale socket left by an engine that did not stop cleanly"),
          next.log());
      try (EngineClient client = EngineClient.connect(next.socket())) {
        assertEquals(Status.OK, client.call("ping", null).status());
      }
    }
  }
}
