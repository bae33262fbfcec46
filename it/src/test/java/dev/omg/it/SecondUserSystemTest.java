package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real second user against the engine's peer-credential check. The engine runs as this (root) user; the client
 * runs as a user created for the test, through setpriv, which execs (so the client's pid is the one we started).
 * The file modes are the first line of defence and would stop that user at connect(); to reach the second line,
 * each test opens them by hand after the engine started (directory 0711, socket 0666).
 */
class SecondUserSystemTest {
  private static final String USER = "omgtest";
  private static Path home;
  private static Path jar;
  private static long uid;
  private static long gid;

  @BeforeAll
  static void createTheSecondUser() throws Exception {
    String whyNot = whyNoSecondUser();
    if (whyNot != null) {
      System.out.println("SecondUserSystemTest skipped: " + whyNot);
    }
    Assumptions.assumeTrue(whyNot == null, whyNot);
    run("userdel", USER); // a leftover from an interrupted run; fails harmlessly when there is none
    Process.Result added = run("useradd", "--system", "--no-create-home", "--user-group", "--shell",
        "/usr/sbin/nologin", USER);
    Assumptions.assumeTrue(added.exit() == 0, "useradd failed: " + added.output());
    uid = Long.parseLong(run("id", "-u", USER).output().trim());
    gid = Long.parseLong(run("id", "-g", USER).output().trim());
    // A directory the second user can traverse (not list), holding a copy of the jar it can read.
    home = Files.createTempDirectory("omg-second-user");
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx--x--x"));
    jar = Files.copy(EngineProcess.jar(), home.resolve("omg-engine.jar"), StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
  }

  @AfterAll
  static void removeTheSecondUser() throws Exception {
    if (home != null) {
      run("userdel", USER);
      run("rm", "-rf", home.toString());
    }
  }

  private static String whyNoSecondUser() throws Exception {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "not running as root, so no user can be created (running as " + System.getProperty("user.name") + ")";
    }
    for (String tool : List.of("/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/bin/setpriv")) {
      if (!Files.isExecutable(Path.of(tool))) {
        return tool + " is not available";
      }
    }
    return null;
  }

  @Test
  void rejectsAnotherUserWithUnauthorizedAndLogsItsUidAndPid() throws Exception {
    try (EngineProcess engine = EngineProcess.start(home.resolve("rejecting"))) {
      openTheFileModes(engine);
      Process.Result client = pingAsTheSecondUser(engine);
      assertEquals(1, client.exit(), client.output());
      assertEquals("omg-engine: UNAUTHORIZED: uid " + uid + " may not use this engine; it serves uid 0 and the uids "
          + "and gids in omg.security\n", client.output());
      String log = engine.awaitLog("rejected uid " + uid, java.time.Duration.ofSeconds(10));
      String line = log.lines().filter(l -> l.contains("rejected uid " + uid)).findFirst().orElseThrow();
      assertTrue(line.endsWith("rejected uid " + uid + " (gid " + gid + ", pid " + client.pid() + "): not this "
          + "engine's user (uid 0) nor allowed by omg.security.allowed-uids/allowed-gids; answered UNAUTHORIZED "
          + "and closed"), line);
      assertEquals(1, log.lines().filter(l -> l.contains("rejected")).count(), "one line per rejection:\n" + log);
      assertTrue(!log.contains("Exception"), "no stack trace for an expected rejection:\n" + log);
    }
  }

  @Test
  void servesAnotherUserWhoseUidIsAllowed() throws Exception {
    assertServedWith("omg.security.allowed-uids = [" + uid + "]", "allowing-uid");
  }

  @Test
  void servesAnotherUserWhoseGidIsAllowed() throws Exception {
    assertServedWith("omg.security.allowed-gids = [" + gid + "]", "allowing-gid");
  }

  private void assertServedWith(String setting, String name) throws Exception {
    Path config = Files.writeString(home.resolve(name + ".conf"), setting + "\n");
    try (EngineProcess engine = EngineProcess.start(home.resolve(name), "--config", config.toString())) {
      openTheFileModes(engine);
      Process.Result client = pingAsTheSecondUser(engine);
      assertEquals(0, client.exit(), client.output() + engine.log());
      assertTrue(client.output().startsWith("pong omg-engine/"), client.output());
      assertTrue(!engine.log().contains("rejected"), engine.log());
    }
  }

  /** What an administrator would have to do by hand for another user to reach the socket at all. */
  private static void openTheFileModes(EngineProcess engine) throws IOException {
    Files.setPosixFilePermissions(engine.socket().getParent().getParent(),
        PosixFilePermissions.fromString("rwx--x--x"));
    Files.setPosixFilePermissions(engine.socket().getParent(), PosixFilePermissions.fromString("rwx--x--x"));
    Files.setPosixFilePermissions(engine.socket(), PosixFilePermissions.fromString("rw-rw-rw-"));
  }

  private static Process.Result pingAsTheSecondUser(EngineProcess engine) throws Exception {
    return Process.run(home, List.of("/usr/bin/setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups",
        EngineProcess.java(), "-XX:-UsePerfData", "-jar", jar.toString(), "ping", "--socket",
        engine.socket().toString()));
  }

  private static Process.Result run(String... command) throws Exception {
    return Process.run(Path.of("/"), Arrays.asList(command));
  }

  /** A short-lived command, its pid, exit status and combined output. */
  private static final class Process {
    record Result(long pid, int exit, String output) {}

    static Result run(Path directory, List<String> command) throws Exception {
      java.lang.Process process = new ProcessBuilder(new ArrayList<>(command)).directory(directory.toFile())
          .redirectErrorStream(true).start();
      process.getOutputStream().close();
      byte[] output = process.getInputStream().readAllBytes();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(command + " did not exit within 60 s");
      }
      return new Result(process.pid(), process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
  }
}
