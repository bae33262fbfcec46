package dev.omg.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.client.EngineClient;
import dev.omg.it.EngineProcess;
import dev.omg.it.RawConnection;
import dev.omg.protocol.Envelope;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.transport.FrameHeader;
import dev.omg.transport.KryoCodec;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Clients that stall or stop reading cost the engine a bounded amount and never slow the others down. */
class SlowClientSystemTest {
  private static final KryoCodec CODEC = new KryoCodec(FrameHeader.DEFAULT_MAX_FRAME_SIZE);
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
  void halfAFrameThenSilenceIsAnsweredProtocolErrorAndClosedAfterTheIdleTimeout() throws Exception {
    try (RawConnection raw = new RawConnection(engine.socket()).hello()) {
      raw.sendBytes(new byte[] {0, 0, 0, 10, 1, 2, 3});
      long started = System.nanoTime();
      Optional<Envelope> reply = raw.receive();
      long waitedMillis = (System.nanoTime() - started) / 1_000_000;
      assertEquals(Optional.of(Response.error(0, Status.PROTOCOL_ERROR, "incomplete frame: got 7 of 14 bytes, then"
          + " nothing for 1000 ms")), reply);
      assertEquals(Optional.empty(), raw.receive(), "the connection is closed after the error");
      assertTrue(waitedMillis >= 900, "closed after " + waitedMillis + " ms, before the idle timeout");
    }
    try (EngineClient client = EngineClient.connect(engine.socket())) {
      assertEquals(Status.OK, client.call("ping", null).status());
    }
  }

  @Test
  void aClientThatNeverReadsStopsBeingReadWhileOthersKeepTheirLatency() throws Exception {
    AtomicLong written = new AtomicLong();
    byte[] payload = new byte[4096];
    Arrays.fill(payload, (byte) 'x');
    try (RawConnection hog = new RawConnection(engine.socket()).hello();
        EngineClient other = EngineClient.connect(engine.socket())) {
      Thread writer = new Thread(() -> {
        try {
          for (long id = 1; ; id++) {
            byte[] frame = CODEC.encodeFrame(new Request(id, "echo", payload));
            hog.sendBytes(frame);
            written.addAndGet(frame.length);
          }
        } catch (Exception closed) {
          // The test closed the socket: done.
        }
      }, "hog-writer");
      writer.setDaemon(true);
      writer.start();

      // The engine answers until its replies fill the hog's socket, then stops reading it: writes stall.
      long before;
      long after = written.get();
      long deadline = System.nanoTime() + 20_000_000_000L;
      do {
        before = after;
        Thread.sleep(1000);
        after = written.get();
      } while (after != before && System.nanoTime() < deadline);
      assertEquals(before, after, "the hog could still write after 20 s: the engine kept reading");
      assertTrue(after < 16L << 20, "the engine took " + (after >> 20) + " MiB before pushing back");

      long slowestMicros = 0;
      for (int i = 0; i < 200; i++) {
        long start = System.nanoTime();
        assertEquals(Status.OK, other.call("ping", null).status());
        slowestMicros = Math.max(slowestMicros, (System.nanoTime() - start) / 1000);
      }
      Object inFlight = FaultEngine.status(engine.socket()).get("in-flight");
      long heap = FaultEngine.stat(engine.socket(), "heap-used-bytes");
      System.out.printf("never-reading client: wrote %d KiB before the engine stopped reading; other client's"
          + " slowest of 200 pings %d us; engine in flight %s, heap %d MiB%n", after >> 10, slowestMicros, inFlight,
          heap >> 20);
      // Functional bound, not a benchmark: a stalled neighbour must not make another client wait for it.
      assertTrue(slowestMicros < 1_000_000, "a ping took " + slowestMicros + " us beside a stalled client");
      assertTrue(((Number) inFlight).longValue() <= 65, "in flight: " + inFlight);
    }
    try (EngineClient client = EngineClient.connect(engine.socket())) {
      assertEquals(Status.OK, client.call("ping", null).status());
    }
  }

  @Test
  void aConnectionIdleBetweenRequestsIsNeverClosed() throws Exception {
    try (EngineClient client = EngineClient.connect(engine.socket())) {
      assertEquals(Status.OK, client.call("ping", null).status());
      Thread.sleep(2500);
      assertEquals(Status.OK, client.call("ping", null).status());
    }
  }
}
