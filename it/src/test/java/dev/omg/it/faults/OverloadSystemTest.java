package dev.omg.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.client.ClientOptions;
import dev.omg.client.EngineClient;
import dev.omg.client.EngineException;
import dev.omg.client.RetryPolicy;
import dev.omg.it.Cli;
import dev.omg.it.EngineProcess;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Over its limits the engine answers OVERLOADED at once; it never queues without bound and loses nothing. */
class OverloadSystemTest {
  private static final ClientOptions NO_RETRY = ClientOptions.defaults().withRetry(RetryPolicy.none());
  @TempDir
  static Path dir;
  private static EngineProcess engine;

  @BeforeAll
  static void start() throws Exception {
    engine = FaultEngine.start(dir.resolve("omg"), """
        omg.transport.max-connections = 72
        omg.routing.max-in-flight = 512
        omg.handlers.silent.max-queued = 1
        omg.routing.request-timeout = 10s
        """);
  }

  @AfterAll
  static void stop() throws Exception {
    engine.close();
  }

  @Test
  void sixtyFourClientsAgainstASlowHandlerGetExactlyOneReplyEachAndMemoryStaysFlat() throws Exception {
    int clients = 64;
    int perClient = 100;
    long heapBefore = engine.heapUsedAfterGc();
    AtomicLong peakHeap = new AtomicLong(heapBefore);
    Set<String> duplicates = ConcurrentHashMap.newKeySet();
    List<EngineClient> connections = new ArrayList<>();
    List<CompletableFuture<Response>> replies = new ArrayList<>();
    try {
      for (int c = 0; c < clients; c++) {
        connections.add(EngineClient.connect(engine.socket(), NO_RETRY));
      }
      for (int i = 0; i < perClient; i++) {
        for (int c = 0; c < clients; c++) {
          String tag = c + ":" + i;
          replies.add(connections.get(c).send("slow", tag).whenComplete((reply, failure) -> {
            if (reply != null && reply.status() == Status.OK && !reply.payload().equals(tag)) {
              duplicates.add(tag + " answered with " + reply.payload());
            }
          }));
        }
        if (i % 20 == 0) {
          peakHeap.accumulateAndGet(engine.heapUsedAfterGc(), Math::max);
        }
      }
      CompletableFuture.allOf(replies.toArray(new CompletableFuture[0])).get(60, TimeUnit.SECONDS);
    } finally {
      for (EngineClient client : connections) {
        client.close();
      }
    }
    int ok = 0;
    int overloaded = 0;
    Set<Status> other = new HashSet<>();
    for (CompletableFuture<Response> reply : replies) {
      Status status = reply.get().status();
      if (status == Status.OK) {
        ok++;
      } else if (status == Status.OVERLOADED) {
        overloaded++;
        assertTrue(reply.get().retryAfterMillis() > 0, "OVERLOADED without a retry-after hint");
      } else {
        other.add(status);
      }
    }
    System.out.printf("overload: %d requests from %d clients: %d OK, %d OVERLOADED; engine heap after GC %d MiB"
        + " before, %d MiB peak%n", clients * perClient, clients, ok, overloaded, heapBefore >> 20,
        peakHeap.get() >> 20);
    assertEquals(Set.of(), other, "statuses other than OK and OVERLOADED");
    assertEquals(Set.of(), duplicates, "replies paired with the wrong request");
    assertEquals(clients * perClient, ok + overloaded, "every request answered exactly once");
    assertTrue(overloaded > 0, "the slow handler's bound of 32 was never reached");
    // Bounded queues: what the engine retains does not grow with the offered load (about 4 MiB more here; the
    // 6400 requests queued would hold several times that).
    assertTrue(peakHeap.get() - heapBefore < 16L << 20, "engine heap after GC grew from " + (heapBefore >> 20)
        + " MiB to " + (peakHeap.get() >> 20) + " MiB");
  }

  @Test
  void theClientLibraryRetriesOverloadedUntilTheHandlerHasRoom() throws Exception {
    try (EngineClient busy = EngineClient.connect(engine.socket());
        EngineClient patient = EngineClient.connect(engine.socket(),
            ClientOptions.defaults().withRetry(new RetryPolicy(50, java.time.Duration.ofMillis(20),
                java.time.Duration.ofMillis(200))))) {
      List<CompletableFuture<Response>> filling = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        filling.add(busy.send("slow", i));
      }
      // Some of those 40 were refused (the bound is 32); the patient client's call waits its turn instead.
      assertEquals("mine", patient.call("slow", "mine").payload());
      CompletableFuture.allOf(filling.toArray(new CompletableFuture[0])).get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theCliSaysClearlyThatTheEngineIsOverloaded() throws Exception {
    try (EngineClient holder = EngineClient.connect(engine.socket())) {
      CompletableFuture<Response> held = holder.send("silent", null);
      Cli.Result result = Cli.run("call", "silent", "--timeout", "2", "--socket", engine.socket().toString());
      assertEquals(1, result.exitCode(), result.toString());
      assertEquals("omg-engine: OVERLOADED: 'silent' has 1 requests waiting, its limit; retry later"
          + " (retried until --timeout 2 s ran out; the engine asked to wait 50 ms between tries)\n",
          result.stderr());
      held.cancel(true);
    }
  }

  @Test
  void aConnectionOverTheLimitIsAnsweredOverloadedAndTheNextOneAfterAFreedSlotIsServed() throws Exception {
    List<EngineClient> open = new ArrayList<>();
    try {
      // Connect until turned away: other tests' connections may still be closing, so the count is not known.
      EngineException refused = null;
      while (refused == null && open.size() <= 72) {
        try {
          open.add(EngineClient.connect(engine.socket(), NO_RETRY));
        } catch (EngineException e) {
          refused = e;
        }
      }
      assertTrue(refused != null, "73 connections accepted with a limit of 72");
      assertEquals(Status.OVERLOADED, refused.status());
      assertEquals("OVERLOADED: the engine has 72 connections open, its limit; retry later", refused.getMessage());
      assertEquals(100, refused.retryAfterMillis());
      open.remove(0).close();
      try (EngineClient next = EngineClient.connect(engine.socket())) {
        assertEquals(Status.OK, next.call("ping", null).status());
      }
    } finally {
      for (EngineClient client : open) {
        client.close();
      }
    }
  }
}
