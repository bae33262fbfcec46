package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
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
 * Real other users against the engine's file modes and peer-credential check. The engine runs as this (root) user;
 * clients run as users created for the test, through setpriv with their real groups (--init-groups), which execs
 * (so the client's pid is the one we started). {@value #USER} is in no group but its own; {@value #MATE} is a
 * supplementary member of the shared group {@value #GROUP}. Sharing with a group needs no mode opened by hand; to
 * reach the peer check past the file modes, the tests that need it open them by hand (directory 0711, socket 0666).
 */
class SecondUserSystemTest {
  private static final String USER = "omgtest";
  private static final String MATE = "omgmate";
  private static final String GROUP = "omgshare";
  private static Path home;
  private static Path jar;
  private static long uid;
  private static long gid;
  private static long mateUid;
  private static long mateGid;
  private static long shared;

  @BeforeAll
  static void createTheSecondUser() throws Exception {
    String whyNot = whyNoSecondUser();
    if (whyNot != null) {
      System.out.println("SecondUserSystemTest skipped: " + whyNot);
    }
    Assumptions.assumeTrue(whyNot == null, whyNot);
    // Leftovers from an interrupted run; each fails harmlessly when there is none.
    run("userdel", USER);
    run("userdel", MATE);
    run("groupdel", GROUP);
    Process.Result group = run("groupadd", "--system", GROUP);
    Assumptions.assumeTrue(group.exit() == 0, "groupadd failed: " + group.output());
    Process.Result added = run("useradd", "--system", "--no-create-home", "--user-group", "--shell",
        "/usr/sbin/nologin", USER);
    Assumptions.assumeTrue(added.exit() == 0, "useradd failed: " + added.output());
    Process.Result mate = run("useradd", "--system", "--no-create-home", "--user-group", "--groups", GROUP,
        "--shell", "/usr/sbin/nologin", MATE);
    Assumptions.assumeTrue(mate.exit() == 0, "useradd failed: " + mate.output());
    uid = Long.parseLong(run("id", "-u", USER).output().trim());
    gid = Long.parseLong(run("id", "-g", USER).output().trim());
    mateUid = Long.parseLong(run("id", "-u", MATE).output().trim());
    mateGid = Long.parseLong(run("id", "-g", MATE).output().trim());
    shared = Long.parseLong(run("getent", "group", GROUP).output().split(":")[2]);
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
      run("userdel", MATE);
      run("groupdel", GROUP);
      run("rm", "-rf", home.toString());
    }
  }

  private static String whyNoSecondUser() throws Exception {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "not running as root, so no user can be created (running as " + System.getProperty("user.name") + ")";
    }
    for (String tool : List.of("/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/sbin/groupadd", "/usr/sbin/groupdel",
        "/usr/bin/setpriv")) {
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
  void servesAMemberOfTheSharedGroupThroughItsSupplementaryGroupsWithoutOpeningAnyMode() throws Exception {
    try (EngineProcess engine = startSharedWith(shared, "shared")) {
      Path directory = engine.socket().getParent();
      assertEquals("rwxr-x--- " + shared, modeAndGroup(directory));
      assertEquals("rw-rw---- " + shared, modeAndGroup(engine.socket()));
      assertEquals("rw-rw---- " + shared, modeAndGroup(directory.resolve(".engine.sock.bind")));
      assertTrue(mateGid != shared, "the mate's primary group is its own: it is only a supplementary member");
      Process.Result client = pingAs(MATE, engine);
      assertEquals(0, client.exit(), client.output() + engine.log());
      assertTrue(client.output().startsWith("pong omg-engine/"), client.output());
      assertTrue(!engine.log().contains("rejected"), engine.log());
    }
  }

  @Test
  void servesAUserWhosePrimaryGroupIsTheSharedGroupWithoutOpeningAnyMode() throws Exception {
    try (EngineProcess engine = startSharedWith(gid, "primary")) {
      Process.Result client = pingAs(USER, engine);
      assertEquals(0, client.exit(), client.output() + engine.log());
      assertTrue(client.output().startsWith("pong omg-engine/"), client.output());
    }
  }

  @Test
  void deniesAUserOutsideTheSharedGroupWithPermissionDeniedAtThePath() throws Exception {
    try (EngineProcess engine = startSharedWith(shared, "outsider")) {
      Process.Result client = pingAs(USER, engine);
      Path directory = engine.socket().getParent();
      assertEquals(1, client.exit(), client.output());
      assertEquals("omg-engine: permission denied at " + engine.socket() + ": this user (" + USER + ", uid " + uid
          + ") cannot search the directory " + directory + " (rwxr-x--- (0750), owner uid 0, group " + shared + " ("
          + GROUP + ")); it is shared with the members of group " + GROUP + ": usermod -aG " + GROUP + " " + USER
          + " (as root), then log in again\n", client.output());
      assertTrue(!engine.log().contains("rejected"), "the file modes stopped it before the engine saw it:\n"
          + engine.log());
    }
  }

  @Test
  void saysPermissionDeniedWhenConnectGetsEaccesFromASocketItMayNotWrite() throws Exception {
    try (EngineProcess engine = EngineProcess.start(home.resolve("eacces"))) {
      // The directory can be searched, the 0600 socket not written: connect() itself is refused.
      Files.setPosixFilePermissions(engine.socket().getParent(), PosixFilePermissions.fromString("rwx--x--x"));
      Process.Result client = pingAs(USER, engine);
      assertEquals(1, client.exit(), client.output());
      assertEquals("omg-engine: permission denied at " + engine.socket() + ": connect got EACCES, this user ("
          + USER + ", uid " + uid + ") may not write to the socket (rw------- (0600), owner uid 0, group 0 (root)); "
          + "it is private to uid 0, whose engine can share it with a group (omg.security.allowed-gids, "
          + "docs/security.md)\n", client.output());
    }
  }

  @Test
  void stillRefusesAUserOutsideTheSharedGroupWhoReachesTheSocketThroughModesOpenedByHand() throws Exception {
    try (EngineProcess engine = startSharedWith(shared, "peercheck")) {
      openTheFileModes(engine);
      Process.Result client = pingAs(USER, engine);
      assertEquals(1, client.exit(), client.output());
      assertEquals("omg-engine: UNAUTHORIZED: uid " + uid + " may not use this engine; it serves uid 0 and the uids "
          + "and gids in omg.security\n", client.output());
      engine.awaitLog("rejected uid " + uid, java.time.Duration.ofSeconds(10));
    }
  }

  @Test
  void servesAnAllowedUidThatReachesTheSocketAlongsideTheSharedGroup() throws Exception {
    Path config = Files.writeString(home.resolve("uid.conf"), "omg.security { allowed-uids = [" + uid
        + "], allowed-gids = [" + shared + "] }\n");
    try (EngineProcess engine = EngineProcess.start(home.resolve("allowing-uid"), "--config", config.toString())) {
      openTheFileModes(engine);
      Process.Result client = pingAs(USER, engine);
      assertEquals(0, client.exit(), client.output() + engine.log());
      assertTrue(client.output().startsWith("pong omg-engine/"), client.output());
    }
  }

  @Test
  void serveAsAUserOutsideTheConfiguredGroupRefusesToStartNamingTheUsermodThatFixesIt() throws Exception {
    Path workspace = Files.createDirectory(home.resolve("as-" + USER));
    Files.setAttribute(workspace, "unix:uid", (int) uid);
    Path config = Files.writeString(home.resolve("as-user.conf"), "omg.security.allowed-gids = [" + shared + "]\n");
    Files.setPosixFilePermissions(config, PosixFilePermissions.fromString("rw-r--r--"));
    Process.Result serve = Process.run(home, List.of("/usr/bin/setpriv", "--reuid=" + uid, "--regid=" + gid,
        "--init-groups", EngineProcess.java(), "-XX:-UsePerfData", "-jar", jar.toString(), "serve", "--socket",
        workspace.resolve("run/engine.sock").toString(), "--config", config.toString()));
    assertEquals(1, serve.exit(), serve.output());
    assertEquals("omg-engine: cannot start: omg.security.allowed-gids names group " + shared + " (" + GROUP + "), but "
        + "this user (" + USER + ", uid " + uid + ") is not a member, so the engine cannot give the socket that "
        + "group; fix: usermod -aG " + GROUP + " " + USER + " (as root), then log in again so the engine runs with "
        + "the new group\n", serve.output());
    assertTrue(!Files.exists(workspace.resolve("run")), "nothing created");
  }

  @Test
  void doctorShowsAUserOutsideTheGroupWhyAndTheUsermodThatLetsThemIn() throws Exception {
    try (EngineProcess engine = startSharedWith(shared, "doctor")) {
      Path directory = engine.socket().getParent();
      Process.Result outsider = runAs(USER, "doctor", "--socket", engine.socket().toString());
      assertEquals(1, outsider.exit(), outsider.output());
      String group = shared + " (" + GROUP + ")";
      assertTrue(outsider.output().contains("note  directory " + directory + ": owned by uid 0, shared with group "
          + group + ", mode rwxr-x--- (0750)\n"), outsider.output());
      assertTrue(outsider.output().contains("FAIL  group     group " + group + ", the directory's (uid 0 shares it); "
          + "directory group " + group + ", mode rwxr-x--- (0750); the socket cannot be seen from here; you ("
          + USER + ", uid " + uid + ") are not a member: the file modes keep you from the socket\n"
          + "                fix: usermod -aG " + GROUP + " " + USER + " (as root), then log in again\n"),
          outsider.output());
      Process.Result member = runAs(MATE, "doctor", "--socket", engine.socket().toString());
      assertTrue(member.output().contains("ok    directory " + directory + ": owned by uid 0, shared with group "
          + group + ", mode rwxr-x--- (0750)\n"), member.output());
      assertTrue(member.output().contains("ok    group     group " + group + ", the directory's (uid 0 shares it); "
          + "directory group " + group + ", mode rwxr-x--- (0750); socket group " + group + ", mode rw-rw---- (0660); "
          + "you (" + MATE + ", uid " + mateUid + ") are a member\n"), member.output());
      assertTrue(member.output().contains("ok    socket    mode rw-rw---- (0660), owned by uid 0, shared with group "
          + group + "\n"), member.output());
      assertTrue(member.output().contains("ok    engine    omg-engine/"), member.output());
    }
  }

  private static EngineProcess startSharedWith(long group, String name) throws Exception {
    Path config = Files.writeString(home.resolve(name + ".conf"), "omg.security.allowed-gids = [" + group + "]\n");
    return EngineProcess.start(home.resolve(name), "--config", config.toString());
  }

  private static String modeAndGroup(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS)) + " "
        + Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS);
  }

  /** What an administrator would have to do by hand for another user to reach the socket at all. */
  private static void openTheFileModes(EngineProcess engine) throws IOException {
    Files.setPosixFilePermissions(engine.socket().getParent().getParent(),
        PosixFilePermissions.fromString("rwx--x--x"));
    Files.setPosixFilePermissions(engine.socket().getParent(), PosixFilePermissions.fromString("rwx--x--x"));
    Files.setPosixFilePermissions(engine.socket(), PosixFilePermissions.fromString("rw-rw-rw-"));
  }

  private static Process.Result pingAsTheSecondUser(EngineProcess engine) throws Exception {
    return pingAs(USER, engine);
  }

  private static Process.Result pingAs(String user, EngineProcess engine) throws Exception {
    return runAs(user, "ping", "--socket", engine.socket().toString());
  }

  /** The CLI as {@code user}, with that user's groups as a login gives them (setpriv --init-groups). */
  private static Process.Result runAs(String user, String... arguments) throws Exception {
    long userUid = user.equals(USER) ? uid : mateUid;
    long userGid = user.equals(USER) ? gid : mateGid;
    List<String> command = new ArrayList<>(List.of("/usr/bin/setpriv", "--reuid=" + userUid, "--regid=" + userGid,
        "--init-groups", EngineProcess.java(), "-XX:-UsePerfData", "-jar", jar.toString()));
    command.addAll(Arrays.asList(arguments));
    return Process.run(home, command);
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
