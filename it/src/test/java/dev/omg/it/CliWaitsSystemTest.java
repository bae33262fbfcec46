package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.client.ClientOptions;
import dev.omg.client.EngineClient;
import dev.omg.client.EngineException;
import dev.omg.client.RetryPolicy;
import dev.omg.protocol.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the CLI says and does while it waits: at the engine's connection limit it retries with the engine's hint
 * until --timeout, it reads why it was turned away even when the engine closed first, and a stopped engine gets a
 * timeout message that names the engine and what to check.
 */
class CliWaitsSystemTest {
  private static final ClientOptions NO_RETRY = ClientOptions.defaults().withRetry(RetryPolicy.none());
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  private EngineProcess engineWithTwoConnections() throws Exception {
    Path config = Files.writeString(dir.resolve("two.conf"), "omg.transport.max-connections = 2\n");
    return EngineProcess.start(dir.resolve("omg"), "--config", config.toString());
  }

  private static List<EngineClient> holdTwo(EngineProcess engine) throws Exception {
    List<EngineClient> held = new ArrayList<>();
    held.add(EngineClient.connect(engine.socket(), NO_RETRY));
    held.add(EngineClient.connect(engine.socket(), NO_RETRY));
    return held;
  }

  @Test
  void pingTurnedAwayAtTheConnectionLimitRetriesAndSucceedsWhenASlotFrees() throws Exception {
    try (EngineProcess engine = engineWithTwoConnections()) {
      List<EngineClient> held = holdTwo(engine);
      CompletableFuture<Cli.Result> ping = CompletableFuture.supplyAsync(() -> {
        try {
          return Cli.run("ping", "--timeout", "30", "--socket", engine.socket().toString());
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      engine.awaitLog("turned away", WAIT);
      held.remove(0).close();
      Cli.Result result = ping.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertEquals(0, result.exitCode(), result.toString());
      assertTrue(result.stdout().startsWith("pong omg-engine/"), result.toString());
      assertEquals("", result.stderr());
      for (EngineClient client : held) {
        client.close();
      }
    }
  }

  @Test
  void pingAtTheConnectionLimitSaysOverloadedNamingTheLimitWhenNoSlotFrees() throws Exception {
    try (EngineProcess engine = engineWithTwoConnections()) {
      List<EngineClient> held = holdTwo(engine);
      Cli.Result result = Cli.run("ping", "--timeout", "2", "--socket", engine.socket().toString());
      assertEquals(new Cli.Result(1, "", "omg-engine: OVERLOADED: the engine has 2 connections open, its limit; "
          + "retry later (retried until --timeout 2 s ran out; the engine asked to wait 100 ms between tries)\n"),
          result);
      for (EngineClient client : held) {
        client.close();
      }
    }
  }

  /**
   * Past 64 refusals lingering at once the engine closes a refused connection right after writing why, so the
   * client's hello may meet a closed socket (a broken pipe); the reason is still in the client's receive buffer.
   */
  @Test
  void aClientTurnedAwayAmongManyStillReadsWhyNeverABrokenPipe() throws Exception {
    try (EngineProcess engine = engineWithTwoConnections()) {
      List<EngineClient> held = holdTwo(engine);
      for (int i = 0; i < 200; i++) {
        EngineException e = assertThrows(EngineException.class,
            () -> EngineClient.connect(engine.socket(), NO_RETRY).close());
        assertEquals("OVERLOADED: the engine has 2 connections open, its limit; retry later", e.getMessage());
        assertEquals(Status.OVERLOADED, e.status());
      }
      Cli.Result result = Cli.run("ping", "--timeout", "1", "--socket", engine.socket().toString());
      assertEquals(1, result.exitCode(), result.toString());
      assertTrue(result.stderr().startsWith("omg-engine: OVERLOADED: the engine has 2 connections open, its "
          + "limit; retry later (retried until --timeout 1 s ran out;"), result.stderr());
      for (EngineClient client : held) {
        client.close();
      }
    }
  }

  @Test
  void pingOfAStoppedEngineSaysThatNoAnswerCameWithinTheTimeout() throws Exception {
    try (EngineProcess engine = EngineProcess.start(dir.resolve("omg"))) {
      signal("STOP", engine.pid());
      try {
        Cli.Result result = Cli.run("ping", "--timeout", "3", "--socket", engine.socket().toString());
        assertEquals(new Cli.Result(1, "", "omg-engine: no answer from the engine at " + engine.socket()
            + " within 3 s; is it stopped or overloaded? see 'doctor'\n"), result);
      } finally {
        signal("CONT", engine.pid());
      }
      try (EngineClient client = EngineClient.connect(engine.socket())) {
        assertEquals(Status.OK, client.call("ping", null).status(), "serves again once continued");
      }
    }
  }

  private static void signal(String name, long pid) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start();
    assertTrue(kill.waitFor(10, TimeUnit.SECONDS), "kill -" + name + " did not exit");
    assertEquals(0, kill.exitValue(), "kill -" + name + " " + pid);
  }
}
