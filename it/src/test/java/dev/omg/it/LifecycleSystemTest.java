package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.client.EngineClient;
import dev.omg.protocol.Hello;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
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
    // Probes see the stale socket and say so; none of them removes it: only the next lock holder may.
    Cli.Result ping = Cli.run("ping", "--socket", socket.toString());
    assertEquals(3, ping.exitCode(), ping.stderr());
    assertTrue(ping.stderr().startsWith("omg-engine: no engine listening at " + socket + " ("), ping.stderr());
    Cli.Result doctor = Cli.run("doctor", "--socket", socket.toString());
    assertEquals(1, doctor.exitCode(), doctor.stdout());
    assertTrue(doctor.stdout().contains("warn  engine    nothing listens at " + socket + ": a stale socket left by "
        + "an engine that did not stop cleanly\n"), doctor.stdout());
    assertTrue(doctor.stdout().contains("warn  lock      " + socket.resolveSibling("engine.lock") + " is stale: no "
        + "process holds it"), doctor.stdout());
    assertTrue(Files.exists(socket), "still there after ping and doctor");
    try (EngineProcess next = EngineProcess.start(dir)) {
      assertTrue(next.log().contains("removed a stale socket left by an engine that did not stop cleanly"),
          next.log());
      try (EngineClient client = EngineClient.connect(next.socket())) {
        assertEquals(Status.OK, client.call("ping", null).status());
      }
    }
  }

  @Test
  void aClientOfAnotherProtocolVersionIsRefusedButCanStillStopTheEngine() throws Exception {
    try (EngineProcess engine = EngineProcess.start(dir)) {
      try (RawConnection future = new RawConnection(engine.socket())) {
        future.send(new Hello(99, "omg-client/99.0"));
        assertEquals(Optional.of(Response.error(0, Status.VERSION_MISMATCH,
            "client speaks protocol version 99, this engine speaks protocol version 1")), future.receive());
        assertEquals(Optional.empty(), future.receive(), "closed after the mismatch");
      }
      // The same client connects again and stops the engine without a hello (docs/protocol.md).
      try (RawConnection future = new RawConnection(engine.socket())) {
        future.send(new Request(1, "stop", null));
        assertEquals(Optional.of(Response.ok(1, "stopping")), future.receive());
      }
      assertEquals(0, engine.awaitExit(EXIT_TIMEOUT), engine.log());
      assertFalse(Files.exists(engine.socket()), "socket removed");
      assertFalse(Files.exists(engine.socket().resolveSibling("engine.lock")), "lock removed");
      assertTrue(engine.log().contains("'stop' without a hello (allowed across protocol versions)"), engine.log());
    }
  }
}
