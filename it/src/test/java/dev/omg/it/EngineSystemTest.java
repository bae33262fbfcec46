package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.client.EngineClient;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real jar as its own process, a real socket, the real client library and CLI. */
class EngineSystemTest {
  @TempDir
  static Path dir;
  private static EngineProcess engine;

  @BeforeAll
  static void start() throws Exception {
    engine = EngineProcess.start(dir.resolve("omg"));
  }

  @AfterAll
  static void stop() throws Exception {
    engine.close();
  }

  private static String socket() {
    return engine.socket().toString();
  }

  @Test
  void pingAnswersPongWithTheEngineVersion() throws Exception {
    try (EngineClient client = EngineClient.connect(engine.socket())) {
      Response reply = client.call("ping", null);
      assertEquals(Status.OK, reply.status());
      assertTrue(((String) reply.payload()).matches("pong omg-engine/\\d+\\.\\d+\\.\\d+.*"), reply.toString());
      assertTrue(client.serverHello().agent().startsWith("omg-engine/"), client.serverHello().toString());
    }
  }

  @Test
  void echoReturnsEveryStandardPayloadTypeUnchanged() throws Exception {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("name", "ripgrep");
    map.put("flags", List.of("--locked"));
    map.put("size", 1234L);
    try (EngineClient client = EngineClient.connect(engine.socket())) {
      assertEquals(Response.ok(1, "hello"), client.call("echo", "hello"));
      assertEquals(map, client.call("echo", map).payload());
      assertEquals(List.of("a", 1, 2.5, true), client.call("echo", List.of("a", 1, 2.5, true)).payload());
      byte[] bytes = {1, 2, 3, -1};
      assertArrayEquals(bytes, (byte[]) client.call("echo", bytes).payload());
      assertEquals(null, client.call("echo", null).payload());
    }
  }

  @Test
  void answersAThousandPipelinedRequestsOnOneConnectionEachWithItsOwnId() throws Exception {
    try (EngineClient client = EngineClient.connect(engine.socket())) {
      List<CompletableFuture<Response>> replies = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        replies.add(client.send("echo", "payload-" + i));
      }
      CompletableFuture.allOf(replies.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
      for (int i = 0; i < 1000; i++) {
        Response reply = replies.get(i).get();
        assertEquals(Status.OK, reply.status());
        assertEquals("payload-" + i, reply.payload(), "reply " + reply.id() + " paired with request " + i);
      }
      assertEquals(0, client.pendingCount());
    }
  }

  @Test
  void servesManyConnectionsAtOnce() throws Exception {
    List<EngineClient> clients = new ArrayList<>();
    try {
      for (int c = 0; c < 8; c++) {
        clients.add(EngineClient.connect(engine.socket()));
      }
      List<CompletableFuture<Response>> replies = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        for (int c = 0; c < clients.size(); c++) {
          replies.add(clients.get(c).send("echo", c + ":" + i));
        }
      }
      CompletableFuture.allOf(replies.toArray(new CompletableFuture[0])).get(30, TimeUnit.SECONDS);
      for (int k = 0; k < replies.size(); k++) {
        assertEquals((k % 8) + ":" + (k / 8), replies.get(k).get().payload());
      }
    } finally {
      for (EngineClient client : clients) {
        client.close();
      }
    }
  }

  @Test
  void answersUnknownCommandListingTheKnownOnes() throws Exception {
    try (EngineClient client = EngineClient.connect(engine.socket())) {
      Response reply = client.call("frobnicate", null);
      assertEquals(Status.UNKNOWN_COMMAND, reply.status());
      assertEquals("unknown command 'frobnicate'; known commands: commands, echo, ping, status, stop", reply.error());
    }
  }

  @Test
  void keepsTheSocketPrivateToItsUser() throws Exception {
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(engine.socket())));
    assertEquals("rwx------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(engine.socket().getParent())));
  }

  @Test
  void keepsTheLockAndTheHiddenBindNameOwnerOnlyUnderUmaskZero() throws Exception {
    Path run = engine.socket().getParent();
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(run.resolve("engine.lock"))));
    Path hidden = run.resolve(".engine.sock.bind");
    assertTrue(Files.isSameFile(hidden, engine.socket()), "the public name links the socket bound hidden");
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(hidden)));
  }

  @Test
  void doctorFindsTheRunningEngineHealthy() throws Exception {
    Cli.Result result = Cli.run("doctor", "--socket", socket());
    assertEquals(0, result.exitCode(), result.stdout());
    Path run = engine.socket().getParent();
    List<String> lines = result.stdout().lines().toList();
    assertEquals("omg-engine doctor: the engine at " + socket(), lines.get(0));
    assertEquals("ok    directory " + run + ": owned by you (uid " + new com.sun.security.auth.module.UnixSystem()
        .getUid() + "), mode rwx------ (0700), not a symlink", lines.get(2));
    assertEquals("ok    lock      " + run.resolve("engine.lock") + " held by pid " + engine.pid(), lines.get(3));
    assertEquals("ok    socket    mode rw------- (0600), owned by you", lines.get(4));
    assertTrue(lines.get(5).matches("ok    engine    omg-engine/\\S+ answers \\(protocol 1, pid " + engine.pid()
        + ", up \\S+( \\S+)*, \\d+ connection\\(s\\)\\)"), lines.get(5));
    assertEquals("no problems found", lines.get(lines.size() - 1));
  }

  @Test
  void cliPingPrintsPong() throws Exception {
    Cli.Result result = Cli.run("ping", "--socket", socket());
    assertEquals(0, result.exitCode(), result.stderr());
    assertTrue(result.stdout().matches(
        "pong omg-engine/\\S+ in \\d+\\.\\d{3} ms \\(connect \\+ hello \\d+\\.\\d{3} ms\\)\\n"), result.stdout());
  }

  @Test
  void cliCallEchoPrintsItsArguments() throws Exception {
    Cli.Result result = Cli.run("call", "echo", "hello", "--socket", socket());
    assertEquals(new Cli.Result(0, "hello\n", ""), result);
  }

  @Test
  void cliFindsTheEngineThroughOmgSocket() throws Exception {
    Cli.Result result = Cli.run(Map.of("OMG_SOCKET", socket()), "call", "echo", "via", "env");
    assertEquals(new Cli.Result(0, "via\nenv\n", ""), result);
  }

  @Test
  void cliStatusShowsVersionUptimeAndCounters() throws Exception {
    Cli.Result result = Cli.run("status", "--socket", socket());
    assertEquals(0, result.exitCode(), result.stderr());
    String[] lines = result.stdout().split("\n");
    assertTrue(lines[0].matches("omg-engine \\S+ \\(pid " + engine.pid() + "\\) on " + socket()), lines[0]);
    assertTrue(lines[1].startsWith("uptime "), lines[1]);
    assertTrue(lines[2].matches("connections +\\d+"), lines[2]);
    assertTrue(lines[3].matches("requests served +\\d+"), lines[3]);
    assertTrue(lines[4].matches("in flight +1"), lines[4]);
  }

  @Test
  void cliCallOfAnUnknownCommandExitsOneWithTheReason() throws Exception {
    Cli.Result result = Cli.run("call", "nope", "--socket", socket());
    assertEquals(new Cli.Result(1, "", "omg-engine: UNKNOWN_COMMAND: unknown command 'nope'; "
        + "known commands: commands, echo, ping, status, stop\n"), result);
  }
}
