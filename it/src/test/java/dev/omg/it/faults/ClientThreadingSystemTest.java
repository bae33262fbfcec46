package dev.omg.it.faults;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.omg.client.Deadline;
import dev.omg.client.EngineClient;
import dev.omg.it.EngineProcess;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client library's threads against the real engine: a blocking call reads its own reply on the calling
 * thread, the reader thread serves pipelined sends, and a call that times out leaves the connection in step.
 */
class ClientThreadingSystemTest {
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

  private static long readerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(thread -> thread.getName().equals("omg-client-reader") && thread.isAlive()).count();
  }

  @Test
  void sequentialCallsReadTheirRepliesOnTheCallingThreadAndStartNoReaderThread() throws Exception {
    long before = readerThreads();
    try (EngineClient client = EngineClient.connect(engine.socket())) {
      for (int i = 0; i < 200; i++) {
        assertEquals("call " + i, client.call("echo", "call " + i).payload());
      }
      assertEquals(before, readerThreads(), "no reader thread for sequential calls");
    }
  }

  @Test
  void pipelinedSendsAreAnsweredByTheReaderThreadWhileACallReadsItsOwnReply() throws Exception {
    try (EngineClient client = EngineClient.connect(engine.socket())) {
      List<CompletableFuture<Response>> sent = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        sent.add(client.send("slow", i));
      }
      assertEquals("mine", client.call("echo", "mine").payload());
      for (int i = 0; i < sent.size(); i++) {
        Response reply = sent.get(i).get(30, TimeUnit.SECONDS);
        // The slow handler queues 32: the rest are answered OVERLOADED, each paired with its own request.
        if (reply.status() == Status.OK) {
          assertEquals(i, reply.payload());
        } else {
          assertEquals(Status.OVERLOADED, reply.status());
        }
      }
      assertEquals(0, client.pendingCount());
    }
  }

  @Test
  void aCallThatTimesOutLeavesTheConnectionInStepForTheNextCall() throws Exception {
    try (EngineClient client = EngineClient.connect(engine.socket())) {
      TimeoutException e = assertThrows(TimeoutException.class,
          () -> client.call("silent", null, Deadline.after(Duration.ofMillis(200))));
      assertEquals("no reply to 'silent' within 200 ms", e.getMessage());
      byte[] large = new byte[200_000];
      large[199_999] = 7;
      // The engine answers the silent request TIMEOUT after 1 s; whichever thread reads it, the echo gets its own.
      assertArrayEquals(large, (byte[]) client.call("echo", large).payload());
      assertEquals("after", client.call("echo", "after").payload());
    }
  }
}
