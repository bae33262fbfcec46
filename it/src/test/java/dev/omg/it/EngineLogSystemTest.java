package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log of an engine a client started: in XDG_STATE_HOME, rolled over at its size cap, with the warnings a client
 * can cause rate-limited however fast it causes them.
 */
class EngineLogSystemTest {
  private static final Duration LOOP = Duration.ofSeconds(20);
  private static final long CAP = 4096;
  private static final int FILES = 5;
  private static final int BURST = 5;
  private static final Duration INTERVAL = Duration.ofSeconds(1);
  /** A frame of 8 bytes that decode to nothing: malformed input, sent before any hello. */
  private static final byte[] GARBAGE = {0, 0, 0, 8, (byte) 0xde, (byte) 0xad, (byte) 0xbe, (byte) 0xef, 1, 2, 3, 4};
  private static final Pattern WARNING = Pattern.compile(
      "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  ConnectionProtocol - conn-\\d+ \\(pid \\d+\\): malformed payload: .*"
          + " \\(PROTOCOL_ERROR\\); closing the connection");
  private static final Pattern SUPPRESSED = Pattern.compile(
      "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} WARN  ConnectionProtocol - (\\d+) more malformed input warnings suppressed in "
          + "the last (\\d+) s");

  @TempDir
  Path dir;

  @AfterEach
  void stopAnEngineLeftRunning() throws Exception {
    EngineProcess.stopEnginesServing(dir);
  }

  /**
   * What systemd does for a service whose stderr is the journal, stood in for by a file: JOURNAL_STREAM names the
   * device and inode of what stderr is (systemd.exec(5)). Tested with a file because no systemd runs here.
   */
  @Test
  void withStderrOnTheJournalEachLineCarriesItsSyslogPriorityAndNoTimestamp() throws Exception {
    Path socket = dir.resolve("run/engine.sock");
    Path stderr = Files.createFile(dir.resolve("journal.txt"));
    String journalStream = Files.getAttribute(stderr, "unix:dev") + ":" + Files.getAttribute(stderr, "unix:ino");
    // The JVM's own options for this Java (on 23+, the ones that keep its Unsafe warning off stderr), as a unit has.
    List<String> command = new ArrayList<>(List.of(EngineProcess.java()));
    command.addAll(EngineProcess.serveOptions(Runtime.version().feature()));
    command.addAll(List.of("-Xmx256m", "-jar", EngineProcess.jar().toString(), "serve", "--socket",
        socket.toString()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(stderr.toFile()));
    builder.environment().remove("OMG_SOCKET");
    builder.environment().put("JOURNAL_STREAM", journalStream);
    Process engine = builder.start();
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!Files.exists(socket) && engine.isAlive() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Cli.Result ping = Cli.run("ping", "--socket", socket.toString());
      assertEquals(0, ping.exitCode(), ping + Files.readString(stderr));
      try (RawConnection raw = new RawConnection(socket)) {
        raw.sendBytes(GARBAGE);
        assertEquals(Status.PROTOCOL_ERROR, ((Response) raw.receive().orElseThrow()).status());
      }
      assertEquals(0, Cli.run("stop", "--socket", socket.toString()).exitCode());
      assertTrue(engine.waitFor(30, TimeUnit.SECONDS), "the engine stopped");
    } finally {
      engine.destroyForcibly();
    }
    List<String> lines = Files.readAllLines(stderr);
    assertTrue(lines.stream().anyMatch(line -> line.startsWith("<6>INFO  Engine - omg-engine ")
        && line.contains(" listening on " + socket)), String.join("\n", lines));
    assertTrue(lines.stream().anyMatch(line -> line.matches("<4>WARN  ConnectionProtocol - conn-\\d+ "
        + "\\(pid \\d+\\): malformed payload: .* \\(PROTOCOL_ERROR\\); closing the connection")),
        String.join("\n", lines));
    assertTrue(lines.stream().allMatch(line -> line.matches("<[3467]>[A-Z]+ +\\w+ .*")),
        "every line has its priority and no timestamp:\n" + String.join("\n", lines));
  }

  @Test
  void aClientLoopingOnMalformedFramesLeavesTheLogUnderItsCapWithItsWarningsRateLimited() throws Exception {
    Path socket = dir.resolve("run/engine.sock");
    Map<String, String> env = Map.of("XDG_STATE_HOME", dir.resolve("state").toString());
    Path config = Files.writeString(dir.resolve("engine.conf"), "omg.client.start-timeout = 60s\n"
        + "omg.engine.log-file { max-file-size = " + CAP + ", max-files = " + FILES + " }\n"
        + "omg.transport.client-warnings { burst = " + BURST + ", interval = " + INTERVAL.toMillis() + "ms }\n");
    Cli.Result started = Cli.run(env, "ping", "--auto-start", "--socket", socket.toString(), "--config",
        config.toString());
    assertEquals(0, started.exitCode(), started.toString());

    long sent = 0;
    long loopStart = System.nanoTime();
    while (System.nanoTime() - loopStart < LOOP.toNanos()) {
      try (RawConnection raw = new RawConnection(socket)) {
        raw.sendBytes(GARBAGE);
        Response reply = (Response) raw.receive().orElseThrow();
        assertEquals(Status.PROTOCOL_ERROR, reply.status(), reply.toString());
        sent++;
      }
    }
    double seconds = (System.nanoTime() - loopStart) / 1e9;

    Cli.Result ping = Cli.run(env, "ping", "--socket", socket.toString());
    assertEquals(0, ping.exitCode(), "the engine still serves: " + ping);
    Cli.Result stop = Cli.run("stop", "--socket", socket.toString());
    assertEquals(0, stop.exitCode(), stop.toString());

    List<Path> files;
    try (var listed = Files.list(dir.resolve("state/omg"))) {
      files = listed.filter(file -> file.getFileName().toString().contains(".log")).sorted().toList();
    }
    Path log = files.get(0);
    assertTrue(log.getFileName().toString().matches("engine-[0-9a-f]{8}\\.log"), files.toString());
    long total = 0;
    StringBuilder text = new StringBuilder();
    // Oldest first, so the lines come in the order they were written.
    for (int i = files.size() - 1; i >= 0; i--) {
      total += Files.size(files.get(i));
      text.append(Files.readString(files.get(i), StandardCharsets.UTF_8));
    }
    String all = text.toString();
    assertTrue(files.size() >= 2, "the log was rolled over at " + CAP + " bytes: " + files);
    assertTrue(files.size() <= FILES, files.toString());
    assertTrue(total <= CAP * FILES, "the log files take " + total + " bytes, over " + CAP + " x " + FILES);

    List<String> lines = all.lines().toList();
    long warnings = lines.stream().filter(line -> WARNING.matcher(line).matches()).count();
    long suppressedLines = 0;
    long suppressed = 0;
    for (String line : lines) {
      Matcher matcher = SUPPRESSED.matcher(line);
      if (matcher.matches()) {
        suppressedLines++;
        suppressed += Long.parseLong(matcher.group(1));
      }
    }
    // The burst, then one a second over the loop and the stop (a few seconds at most).
    long bound = BURST + (long) Math.ceil(seconds) + 5;
    String summary = sent + " malformed frames in " + String.format("%.1f", seconds) + " s, " + warnings
        + " warnings, " + suppressedLines + " suppressed lines counting " + suppressed + ", " + total + " bytes in "
        + files.size() + " files";
    System.out.println("EngineLogSystemTest: " + summary);
    assertTrue(sent > bound * 4, "the loop must outrun the limit to test it: " + summary);
    assertTrue(warnings >= BURST && warnings <= bound, summary + "\n" + all);
    assertTrue(suppressedLines >= 1, summary);
    if (!Files.exists(Path.of(log + "." + (FILES - 1)))) {
      // Nothing rolled out of the window: every malformed frame is either a warning or in a suppressed count.
      assertEquals(sent, warnings + suppressed, summary + "\n" + all);
    }
    assertFalse(all.contains("\tat "), "no stack trace:\n" + all);
    assertTrue(all.contains("stopped; removed " + socket), all);
  }
}
