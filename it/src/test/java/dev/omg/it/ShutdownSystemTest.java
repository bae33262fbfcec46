package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.client.EngineClient;
import dev.omg.protocol.Envelope;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.transport.FrameHeader;
import dev.omg.transport.KryoCodec;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A graceful stop under load: every request the engine read gets exactly one reply, and it exits 0. */
class ShutdownSystemTest {
  private static final int IN_FLIGHT = 1000;
  private static final int LATE = 10;
  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  @Test
  void sigtermWithAThousandRequestsInFlightAnswersEachExactlyOnceThenExitsZero() throws Exception {
    Path config = Files.writeString(dir.resolve("engine.conf"), String.join("\n",
        "omg.handlers.hold { class = \"dev.omg.it.handlers.HoldHandler\", release-after = 2s }",
        "omg.routing.max-in-flight-per-connection = 2000",
        "omg.routing.request-timeout = 60s",
        "omg.engine.drain-timeout = 30s"));
    try (EngineProcess engine = EngineProcess.start(dir, List.of("-Xmx256m"), TestHandlers.holdHandler(dir),
        "--config", config.toString());
        RawConnection raw = new RawConnection(engine.socket(), TIMEOUT).hello()) {
      Map<Long, List<Response>> replies = new ConcurrentHashMap<>();
      List<Envelope> unexpected = new CopyOnWriteArrayList<>();
      Thread reader = new Thread(() -> {
        try {
          for (Optional<Envelope> next = raw.receive(); next.isPresent(); next = raw.receive()) {
            if (next.get() instanceof Response response && response.id() != 0) {
              replies.computeIfAbsent(response.id(), id -> new CopyOnWriteArrayList<>()).add(response);
            } else {
              unexpected.add(next.get());
            }
          }
        } catch (Exception e) {
          unexpected.add(Response.error(0, Status.UNKNOWN, "reader failed: " + e));
        }
      }, "replies");
      reader.start();

      raw.sendBytes(frames(1, IN_FLIGHT));
      awaitInFlight(engine.socket(), IN_FLIGHT);
      engine.process().destroy();
      String log = engine.awaitLog("shutting down: no longer accepting", TIMEOUT);
      assertTrue(log.contains("draining " + IN_FLIGHT + " in-flight requests"), log);
      // The held requests are answered 2 s after the shutdown began: these arrive while the engine drains.
      raw.sendBytes(frames(IN_FLIGHT + 1, LATE));

      assertEquals(0, engine.awaitExit(TIMEOUT), engine.log());
      reader.join(TIMEOUT.toMillis());
      assertFalse(reader.isAlive(), "the engine closed the connection after the last reply");
      assertEquals(List.of(), unexpected);
      assertEquals(IN_FLIGHT + LATE, replies.size(), "every request answered");
      for (long id = 1; id <= IN_FLIGHT + LATE; id++) {
        List<Response> answers = replies.get(id);
        assertEquals(1, answers.size(), "request " + id + " answered exactly once: " + answers);
        assertEquals(id <= IN_FLIGHT ? Response.ok(id, "released")
            : Response.error(id, Status.SHUTTING_DOWN, "the engine is shutting down and takes no new requests"),
            answers.get(0));
      }
      assertFalse(Files.exists(engine.socket()), "socket removed");
      assertFalse(Files.exists(engine.socket().resolveSibling("engine.lock")), "lock removed");
    }
  }

  private static byte[] frames(long firstId, int count) {
    KryoCodec codec = new KryoCodec(FrameHeader.DEFAULT_MAX_FRAME_SIZE);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (long id = firstId; id < firstId + count; id++) {
      bytes.writeBytes(codec.encodeFrame(new Request(id, "hold", null)));
    }
    return bytes.toByteArray();
  }

  /** Waits until the engine reports {@code held} requests in flight besides the status request asking. */
  private static void awaitInFlight(Path socket, int held) throws Exception {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    try (EngineClient client = EngineClient.connect(socket)) {
      long inFlight = 0;
      while (System.nanoTime() < deadline) {
        Map<?, ?> status = (Map<?, ?>) client.call("status", null).payload();
        inFlight = ((Number) status.get("in-flight")).longValue();
        if (inFlight >= held + 1) {
          return;
        }
        Thread.sleep(50);
      }
      throw new IllegalStateException("only " + inFlight + " requests in flight after " + TIMEOUT.toSeconds() + " s");
    }
  }
}
