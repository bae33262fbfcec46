package dev.omg.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.omg.client.EngineClient;
import dev.omg.it.EngineProcess;
import dev.omg.it.RawConnection;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Handlers that throw, never answer, answer twice or too late: each fails only its own request. */
class HandlerFaultsSystemTest {
  @TempDir
  static Path dir;
  private static EngineProcess engine;

  @BeforeAll
  static void start() throws Exception {
    engine = FaultEngine.start(dir.resolve("omg"), "");
  }

  @AfterAll
  static void stop() throws Exception {
    engine.close();
  }

  @Test
  void aThrowingHandlerFailsOnlyItsRequestAndIsRestarted() throws Exception {
    try (EngineClient client = EngineClient.connect(engine.socket())) {
      assertEquals(1, client.call("fragile", "a").payload());
      assertEquals(2, client.call("fragile", "b").payload());
      Response failed = client.call("fragile", "boom");
      assertEquals(Status.HANDLER_ERROR, failed.status());
      assertEquals("'fragile' failed: java.lang.IllegalStateException: boom", failed.error());
      // A new instance: its count starts again, and the connection was never disturbed.
      assertEquals(1, client.call("fragile", "c").payload());
      assertEquals("still here", client.call("echo", "still here").payload());
    }
  }

  @Test
  void aHandlerThatNeverRepliesIsAnsweredTimeout() throws Exception {
    try (EngineClient client = EngineClient.connect(engine.socket())) {
      Response reply = client.call("silent", null);
      assertEquals(Status.TIMEOUT, reply.status());
      assertEquals("'silent' did not reply within 1000 ms", reply.error());
      assertEquals(Status.OK, client.call("ping", null).status());
    }
  }

  @Test
  void aSecondReplyFromAHandlerNeverReachesTheWire() throws Exception {
    try (RawConnection wire = new RawConnection(engine.socket()).hello()) {
      wire.send(new Request(1, "twice", null));
      wire.send(new Request(2, "echo", "next"));
      // Replies may come in any order (echo runs on the selector thread, twice on the default dispatcher).
      assertEquals(Set.of(Response.ok(1, "first"), Response.ok(2, "next")),
          Set.of(wire.receive().orElseThrow(), wire.receive().orElseThrow()));
      wire.assertNothingWithin(Duration.ofMillis(300));
    }
  }

  @Test
  void aReplyAfterTheTimeoutIsDroppedAndTheStreamStaysInStep() throws Exception {
    try (RawConnection wire = new RawConnection(engine.socket()).hello()) {
      wire.send(new Request(1, "late", "x"));
      Response timedOut = (Response) wire.receive().orElseThrow();
      assertEquals(Status.TIMEOUT, timedOut.status());
      assertEquals(1, timedOut.id());
      // The late reply comes due at 1.5 s: it must not surface as a frame.
      wire.assertNothingWithin(Duration.ofMillis(1000));
      wire.send(new Request(2, "echo", "after"));
      assertEquals(Optional.of(Response.ok(2, "after")), wire.receive());
    }
  }

  @Test
  void aClientThatLeavesWithRequestsInFlightLeavesNothingBehind() throws Exception {
    try (RawConnection wire = new RawConnection(engine.socket()).hello()) {
      for (int i = 1; i <= 50; i++) {
        wire.send(new Request(i, i % 2 == 0 ? "silent" : "slow", i));
      }
      Thread.sleep(100);
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    long inFlight;
    long connections;
    do {
      Thread.sleep(100);
      inFlight = FaultEngine.stat(engine.socket(), "in-flight");
      connections = FaultEngine.stat(engine.socket(), "connections");
    } while ((inFlight != 1 || connections != 1) && System.nanoTime() < deadline);
    // The status request counts itself: one in flight means none of the leaver's is.
    assertEquals(1, inFlight, "requests in flight after the client left, the status request included");
    // The status request's own connection is the only one left: the leaver's stream and socket are gone.
    assertEquals(1, connections, "open connections after the client left");
  }
}
