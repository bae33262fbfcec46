package dev.omg.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.client.ClientOptions;
import dev.omg.client.EngineClient;
import dev.omg.client.RetryPolicy;
import dev.omg.it.EngineProcess;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A handler stuck in {@code handle()} for good: wave after wave of requests time out in front of it, yet its mailbox,
 * the engine's counters and its heap stay bounded, the rest is answered OVERLOADED, and other commands are served.
 */
class BlockedHandlerSystemTest {
  private static final ClientOptions NO_RETRY = ClientOptions.defaults().withRetry(RetryPolicy.none());
  private static final int MAX_QUEUED = 2;
  private static final int WAVES = 20;
  private static final int PER_WAVE = 10;
  /** Large enough that the requests a leaking mailbox kept (2 a wave, 10 MiB in all) would show on the heap. */
  private static final int PAYLOAD_BYTES = 256 * 1024;
  @TempDir
  static Path dir;
  private static EngineProcess engine;

  @BeforeAll
  static void start() throws Exception {
    // Its own thread pool, as docs/handlers.md asks of blocking handlers; the gate it waits on never opens here.
    engine = FaultEngine.start(dir.resolve("omg"), """
        omg.handlers.blocking {
          class = "dev.omg.routing.TestHandlers$Blocking"
          dispatcher = "pekko.actor.default-blocking-io-dispatcher"
          max-queued = %d
          timeout = 300ms
        }
        """.formatted(MAX_QUEUED));
  }

  @AfterAll
  static void stop() throws Exception {
    engine.close();
  }

  @Test
  void aHandlerThatBlocksItsThreadForeverKeepsTheEngineBoundedAndOthersServed() throws Exception {
    long heapBefore = engine.heapUsedAfterGc();
    Map<Status, Integer> statuses = new EnumMap<>(Status.class);
    long maxQueued = 0;
    long maxInFlight = 0;
    byte[] payload = new byte[PAYLOAD_BYTES];
    try (EngineClient client = EngineClient.connect(engine.socket(), NO_RETRY);
        EngineClient other = EngineClient.connect(engine.socket(), NO_RETRY)) {
      for (int wave = 0; wave < WAVES; wave++) {
        List<CompletableFuture<Response>> replies = new ArrayList<>();
        for (int i = 0; i < PER_WAVE; i++) {
          replies.add(client.send("blocking", payload));
        }
        assertEquals(Status.OK, other.send("ping", null).get(10, TimeUnit.SECONDS).status(), "ping, wave " + wave);
        assertEquals("wave " + wave, other.send("echo", "wave " + wave).get(10, TimeUnit.SECONDS).payload());
        for (CompletableFuture<Response> reply : replies) {
          Response response = reply.get(10, TimeUnit.SECONDS);
          statuses.merge(response.status(), 1, Integer::sum);
          if (response.status() == Status.OVERLOADED) {
            assertEquals(new Response(response.id(), Status.OVERLOADED, null,
                "'blocking' has 2 requests waiting, its limit; retry later", 50), response);
          }
        }
        Map<?, ?> status = FaultEngine.status(engine.socket());
        Map<?, ?> blocking = command(status, "blocking");
        maxQueued = Math.max(maxQueued, ((Number) status.get("queued")).longValue());
        maxInFlight = Math.max(maxInFlight, ((Number) status.get("in-flight")).longValue());
        assertTrue(((Number) blocking.get("queued")).longValue() <= MAX_QUEUED, "wave " + wave + ": " + blocking);
        assertEquals(0L, ((Number) blocking.get("in-flight")).longValue(), "wave " + wave + ": " + blocking);
      }
    }
    long heapAfter = engine.heapUsedAfterGc();
    System.out.printf("blocked handler: %d requests in %d waves: %s; max queued %d, max in flight %d (the status"
        + " request itself); engine heap after GC %d KiB before, %d KiB after%n", WAVES * PER_WAVE, WAVES, statuses,
        maxQueued, maxInFlight, heapBefore >> 10, heapAfter >> 10);
    // The first wave admits two (one served and stuck, one waiting), the second the stuck one's slot; then none.
    // (Two more if the first two timed out before the handler took them: it skips those without blocking.)
    assertEquals(WAVES * PER_WAVE, statuses.getOrDefault(Status.TIMEOUT, 0)
        + statuses.getOrDefault(Status.OVERLOADED, 0), "only TIMEOUT and OVERLOADED: " + statuses);
    assertTrue(statuses.getOrDefault(Status.TIMEOUT, 0) <= 5, "admitted after the mailbox was full: " + statuses);
    assertEquals(MAX_QUEUED, maxQueued);
    assertEquals(1, maxInFlight);
    assertTrue(heapAfter - heapBefore < 8L << 20, "engine heap grew from " + (heapBefore >> 10) + " KiB to "
        + (heapAfter >> 10) + " KiB");
  }

  private static Map<?, ?> command(Map<?, ?> status, String name) {
    for (Object row : (List<?>) status.get("commands")) {
      if (row instanceof Map<?, ?> command && name.equals(command.get("command"))) {
        return command;
      }
    }
    throw new AssertionError("no '" + name + "' in status: " + status);
  }
}
