package dev.omg.it.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.example.pkgindex.InstallRequest;
import com.example.pkgindex.InstallResult;
import dev.omg.client.EngineClient;
import dev.omg.client.PendingCall;
import dev.omg.it.Cli;
import dev.omg.it.EngineProcess;
import dev.omg.protocol.Progress;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example application end to end: the real engine jar with it/example-app's jar on its classpath and its
 * pkgindex.conf, driven through the CLI and the Java client.
 */
class PackageIndexSystemTest {
  @TempDir
  static Path dir;
  private static EngineProcess engine;
  private static Path config;

  @BeforeAll
  static void start() throws Exception {
    engine = PackageIndex.start(dir.resolve("omg"));
    config = dir.resolve("omg").resolve("pkgindex-test.conf");
  }

  @AfterAll
  static void stop() throws Exception {
    engine.close();
  }

  private static Cli.Result cli(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--socket", engine.socket().toString(), "--config", config.toString()));
    return Cli.run(List.of(PackageIndex.jar()), Map.of(), all.toArray(String[]::new));
  }

  @Test
  void searchAnswersThroughTheCli() throws Exception {
    assertEquals(new Cli.Result(0, "ripgrep 14.1.0 - recursively search directories for a regex\n", ""),
        cli("call", "search", "regex"));
  }

  @Test
  void infoAnswersATypedPayloadThatTheCliShowsFieldByField() throws Exception {
    assertEquals(new Cli.Result(0, "name: fd\nversion: 9.0.0\ndescription: a simple, fast alternative to find\n"
        + "installed: false\n", ""), cli("call", "info", "fd"));
    assertEquals(new Cli.Result(1, "", "omg-engine: BAD_REQUEST: no package named 'nano'; try: search nano\n"),
        cli("call", "info", "nano"));
  }

  @Test
  void installThroughTheCliPrintsProgressLinesInOrderThenTheResult() throws Exception {
    Path installed = dir.resolve("omg").resolve("installed").resolve("jq");
    assertEquals(new Cli.Result(0, "name: jq\nversion: 1.7.1\npath: " + installed + "\n",
        "progress 1: 1/3 downloading jq\nprogress 2: 2/3 downloading jq\nprogress 3: 3/3 downloading jq\n"),
        cli("call", "install", "jq"));
    assertTrue(Files.isRegularFile(installed));
    assertEquals(new Cli.Result(0, "{\"name\":\"jq\",\"version\":\"1.7.1\",\"description\":"
        + "\"a command-line JSON processor\",\"installed\":true}\n", ""), cli("call", "info", "jq", "--json"));
  }

  @Test
  void aJavaClientGetsEveryProgressEventInOrderBeforeTheTypedReply() throws Exception {
    List<Progress> events = new CopyOnWriteArrayList<>();
    List<Boolean> replyDoneAtEvent = new CopyOnWriteArrayList<>();
    try (EngineClient client = EngineClient.connect(engine.socket(), PackageIndex.clientOptions())) {
      PendingCall[] call = new PendingCall[1];
      CountDownLatch sent = new CountDownLatch(1);
      call[0] = client.stream("install", new InstallRequest("bat"), event -> {
        events.add(event);
        awaitQuietly(sent);
        replyDoneAtEvent.add(call[0].reply().isDone());
      });
      sent.countDown();
      Response reply = call[0].reply().get(30, TimeUnit.SECONDS);
      assertEquals(Status.OK, reply.status(), reply.error());
      assertEquals(new InstallResult("bat", "0.24.0", dir.resolve("omg/installed/bat").toString()),
          reply.payload());
      long id = call[0].id();
      assertEquals(List.of(
          new Progress(id, 1, Map.of("done", 1, "total", 4, "message", "downloading bat")),
          new Progress(id, 2, Map.of("done", 2, "total", 4, "message", "downloading bat")),
          new Progress(id, 3, Map.of("done", 3, "total", 4, "message", "downloading bat")),
          new Progress(id, 4, Map.of("done", 4, "total", 4, "message", "downloading bat"))), events);
      assertEquals(List.of(false, false, false, false), replyDoneAtEvent);
    }
  }

  @Test
  void cancellingAnInstallEndsItCancelledAndTheHandlerStopsAndCleansUp() throws Exception {
    CountDownLatch firstEvent = new CountDownLatch(1);
    try (EngineClient client = EngineClient.connect(engine.socket(), PackageIndex.clientOptions())) {
      PendingCall call = client.stream("install", new InstallRequest("htop"), event -> firstEvent.countDown());
      assertTrue(firstEvent.await(30, TimeUnit.SECONDS), "a first progress event");
      call.cancel();
      Response reply = call.reply().get(10, TimeUnit.SECONDS);
      assertEquals(Response.error(call.id(), Status.CANCELLED, "'install' was cancelled by the client"), reply);
      // The handler saw the cancel between two chunks, stopped, and removed its partial download.
      String log = engine.awaitLog("install of htop cancelled after", Duration.ofSeconds(10));
      assertTrue(log.contains("[request " + call.id() + " install] - request " + call.id()
          + " 'install' cancelled by the client"), log);
      Path installed = dir.resolve("omg").resolve("installed");
      assertFalse(Files.exists(installed.resolve("htop")));
      assertFalse(Files.exists(installed.resolve("htop.partial")));
      // The connection goes on.
      assertEquals(Status.OK, client.call("search", List.of("top")).status());
    }
  }

  @Test
  void interruptingTheCliDuringAnInstallCancelsItAndPrintsCancelled() throws Exception {
    // Native access: the jar's manifest grants it to -jar starts only, and Java 24+ warns on stderr without it.
    List<String> command = new ArrayList<>(List.of(EngineProcess.java(), "--enable-native-access=ALL-UNNAMED",
        "-cp", EngineProcess.jar() + java.io.File.pathSeparator + PackageIndex.jar(), "dev.omg.engine.Main",
        "call", "install", "ripgrep", "--socket", engine.socket().toString(), "--config", config.toString()));
    Process cli = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try (BufferedReader stderr = new BufferedReader(new InputStreamReader(cli.getErrorStream(),
        StandardCharsets.UTF_8))) {
      assertEquals("progress 1: 1/5 downloading ripgrep", stderr.readLine());
      // SIGTERM, as a terminal's Ctrl-C ends it (the CLI's shutdown hook cancels); Process.destroy would close stderr.
      cli.toHandle().destroy();
      assertTrue(cli.waitFor(30, TimeUnit.SECONDS), "the CLI exits");
      List<String> rest = stderr.lines().toList();
      assertEquals("omg-engine: CANCELLED: 'install' was cancelled by the client", rest.get(rest.size() - 1),
          rest.toString());
    } finally {
      cli.destroyForcibly();
    }
    engine.awaitLog("install of ripgrep cancelled after", Duration.ofSeconds(10));
  }

  @Test
  void anEngineWithoutTheApplicationsJarRefusesToStartNamingTheMissingPayloadClass() throws Exception {
    Path other = dir.resolve("without-jar");
    Cli.Result result = Cli.run(List.of(), Map.of(), "serve", "--socket", other.resolve("engine.sock").toString(),
        "--config", PackageIndex.config(other, "").toString());
    assertEquals(new Cli.Result(1, "", "omg-engine: configuration error: omg.serialization.register.\"100\": "
        + "class com.example.pkgindex.InstallRequest is not on the classpath\n"), result);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
