package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.client.EngineClient;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A connection costs the engine buffers, not threads: many idle clients leave its thread count flat. */
class IdleConnectionsSystemTest {
  private static final int IDLE = 1_000;
  private static final int PINGS = 200;
  /** Room for a dispatcher or scheduler thread started on demand; not one per connection. */
  private static final int THREADS_ALLOWED = 4;
  private static final Duration SETTLE = Duration.ofMillis(500);
  private static final Duration SETTLE_DEADLINE = Duration.ofSeconds(5);

  @TempDir
  Path dir;
  private EngineProcess engine;
  private IdleConnections idle;

  @AfterEach
  void stopEverything() throws Exception {
    if (idle != null) {
      idle.close();
    }
    if (engine != null) {
      try {
        assertEquals(0, engine.terminate(Duration.ofSeconds(30)), engine.log());
      } finally {
        engine.close();
      }
    }
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void thousandIdleConnectionsAddAtMostFourThreadsWhileAnotherClientsPingsSucceed() throws Exception {
    // Explicit, so the test does not depend on the default limit.
    Path config = Files.writeString(dir.resolve("engine.conf"), "omg.transport.max-connections = 2048\n");
    engine = EngineProcess.start(dir.resolve("omg"), List.of("-Xmx256m"), "--config", config.toString());
    try (EngineClient pinger = EngineClient.connect(engine.socket())) {
      assertEquals(Status.OK, pinger.call("ping", null).status());
      ProcStatus before = ProcStatus.settled(engine.pid(), SETTLE, SETTLE_DEADLINE);

      idle = IdleConnections.open(engine.socket(), IDLE, Duration.ofSeconds(10), opened -> { });
      for (int i = 0; i < PINGS; i++) {
        Response pong = pinger.call("ping", null);
        assertEquals(Status.OK, pong.status(), "ping " + (i + 1) + " of " + PINGS + ": " + pong.error());
      }
      ProcStatus holding = ProcStatus.settled(engine.pid(), SETTLE, SETTLE_DEADLINE);

      assertTrue(holding.threads() <= before.threads() + THREADS_ALLOWED, "the engine had " + before.threads()
          + " threads before " + IDLE + " idle connections opened and " + holding.threads() + " while they were open"
          + " (at most " + (before.threads() + THREADS_ALLOWED) + " allowed)");
      Response status = pinger.call("status", null);
      assertEquals(Status.OK, status.status(), status.error());
      assertEquals(IDLE + 1L, ((Map<?, ?>) status.payload()).get("connections"));
    }
  }
}
