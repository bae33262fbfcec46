package dev.omg.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import dev.omg.transport.SocketPaths;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {
  @TempDir
  Path dir;

  private record Run(int exit, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Main.run(args, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void parsesOptionsAnywhereAndKeepsTheRestInOrder() {
    Cli.Arguments arguments = Cli.Arguments.parse(
        new String[] {"call", "echo", "--socket", "/tmp/s.sock", "a", "--timeout=2.5", "b"});
    assertEquals("call", arguments.command);
    assertEquals(Optional.of("/tmp/s.sock"), arguments.socket);
    assertEquals(Optional.of(2.5), arguments.timeoutSeconds);
    assertEquals(List.of("echo", "a", "b"), arguments.positional);
  }

  @Test
  void passesEverythingAfterADoubleDashAsArguments() {
    Cli.Arguments arguments = Cli.Arguments.parse(new String[] {"call", "echo", "--", "--socket", "x"});
    assertEquals(List.of("echo", "--socket", "x"), arguments.positional);
    assertEquals(Optional.empty(), arguments.socket);
  }

  @Test
  void rejectsAnOptionWithoutItsValue() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Cli.Arguments.parse(new String[] {"ping", "--socket"}));
    assertEquals("--socket needs a value", e.getMessage());
  }

  @Test
  void rejectsANonPositiveTimeout() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Cli.Arguments.parse(new String[] {"ping", "--timeout", "0"}));
    assertEquals("--timeout must be positive, got 0", e.getMessage());
  }

  @Test
  void exitsWithUsageForNoCommand() {
    Run run = run();
    assertEquals(Cli.USAGE, run.exit);
    assertTrue(run.err.startsWith("omg-engine: no command given\nusage: omg-engine <command>"), run.err);
  }

  @Test
  void exitsWithUsageForAnUnknownCommand() {
    Run run = run("frobnicate");
    assertEquals(Cli.USAGE, run.exit);
    assertTrue(run.err.startsWith("omg-engine: unknown command 'frobnicate'\n"), run.err);
  }

  @Test
  void exitsWithUsageForAnUnknownOption() {
    Run run = run("ping", "--sockt", "x");
    assertEquals(Cli.USAGE, run.exit);
    assertTrue(run.err.startsWith("omg-engine: unknown option --sockt\n"), run.err);
  }

  @Test
  void exitsWithUsageForCallWithoutACommand() {
    Run run = run("call", "--socket", dir.resolve("e.sock").toString());
    assertEquals(Cli.USAGE, run.exit);
    assertEquals("omg-engine: call needs a COMMAND\n", run.err);
  }

  @Test
  void printsHelpOnStdout() {
    Run run = run("help");
    assertEquals(Cli.OK, run.exit);
    assertTrue(run.out.contains("call COMMAND [ARG...]"), run.out);
  }

  @Test
  void exitsNotRunningWhenNoEngineListens() {
    Path socket = dir.resolve("engine.sock");
    Run run = run("ping", "--socket", socket.toString());
    assertEquals(Cli.NOT_RUNNING, run.exit);
    assertEquals("omg-engine: no engine at " + socket + " (the socket file does not exist); start one with: "
        + "java -jar omg-engine.jar serve\n", run.err);
  }

  @Test
  void reportsAConfigurationErrorNamingTheKey() throws Exception {
    Path config = dir.resolve("bad.conf");
    java.nio.file.Files.writeString(config, "omg.routing.request-timeout = -2s\n");
    Run run = run("serve", "--socket", dir.resolve("e.sock").toString(), "--config", config.toString());
    assertEquals(Cli.FAILED, run.exit);
    assertEquals("omg-engine: configuration error: omg.routing.request-timeout: must be a positive duration, "
        + "got -2s\n", run.err);
  }

  @Test
  void parsesAutoStartAsAFlagWithoutAValue() {
    Cli.Arguments arguments = Cli.Arguments.parse(new String[] {"call", "--auto-start", "echo", "x"});
    assertTrue(arguments.autoStart);
    assertEquals(List.of("echo", "x"), arguments.positional);
    assertFalse(Cli.Arguments.parse(new String[] {"ping"}).autoStart);
  }

  @Test
  void serveRefusesASocketPathTooLongForSunPathNamingTheLimitBeforeCreatingAnything() {
    Path socket = dir.resolve("new").resolve("s".repeat(100)).resolve("engine.sock");
    Run run = run("serve", "--socket", socket.toString());
    assertEquals(Cli.FAILED, run.exit);
    assertEquals("omg-engine: cannot start: socket path is " + socket.toString().length() + " bytes, over the "
        + "101-byte limit of an engine's socket (sun_path is 108 bytes with its terminating NUL, and the engine "
        + "first binds a hidden name 6 bytes longer): " + socket + "\n", run.err);
    assertFalse(Files.exists(dir.resolve("new")), "nothing created");
  }

  @Test
  void serveRefusesADirectoryOpenToOthersNamingTheFix() throws Exception {
    Path run = Files.createDirectory(dir.resolve("run"));
    Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxrwxrwx"));
    Run result = run("serve", "--socket", run.resolve("engine.sock").toString());
    assertEquals(new Run(Cli.FAILED, "", "omg-engine: " + run + " has mode rwxrwxrwx (0777), open to group or "
        + "others; fix: chmod 700 " + run + "\n"), result);
    try (var files = Files.list(run)) {
      assertEquals(0, files.count(), "no lock, no socket");
    }
  }

  @Test
  void serveRefusesASymlinkedDirectory() throws Exception {
    Path target = Files.createDirectory(dir.resolve("elsewhere"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path link = Files.createSymbolicLink(dir.resolve("run"), target);
    Run result = run("serve", "--socket", link.resolve("engine.sock").toString());
    assertEquals(new Run(Cli.FAILED, "", "omg-engine: " + link + " is a symbolic link; refusing to use it for the "
        + "socket; fix: remove the link (rm " + link + ") or choose another socket path\n"), result);
  }

  @Test
  void serveRefusesAllowedUidsWithoutASharedGroupSayingHowToShareBeforeCreatingAnything() throws Exception {
    Path config = Files.writeString(dir.resolve("uids.conf"), "omg.security.allowed-uids = [1001]\n");
    Run run = run("serve", "--socket", dir.resolve("run/engine.sock").toString(), "--config", config.toString());
    assertEquals(new Run(Cli.FAILED, "", "omg-engine: configuration error: omg.security.allowed-uids: [1001] cannot "
        + "take effect without a shared group: the socket's directory is 0700, so no other user can reach the "
        + "socket; share the engine with a group instead: groupadd omg, usermod -aG omg USER for each user (as "
        + "root), and set omg.security.allowed-gids = [<the gid of omg>] (the allowed uids must be members of that "
        + "group)\n"), run);
    assertFalse(Files.exists(dir.resolve("run")), "nothing created");
  }

  @Test
  void serveRefusesTwoAllowedGroupsSayingToUseOneSharedGroup() throws Exception {
    Path config = Files.writeString(dir.resolve("gids.conf"), "omg.security.allowed-gids = [100, 27]\n");
    Run run = run("serve", "--socket", dir.resolve("run/engine.sock").toString(), "--config", config.toString());
    assertEquals(new Run(Cli.FAILED, "", "omg-engine: configuration error: omg.security.allowed-gids: names 2 groups "
        + "[27, 100], but the socket and its directory can belong to only one group; use one shared group: groupadd "
        + "omg, usermod -aG omg USER for each user (as root), and set omg.security.allowed-gids = [<the gid of "
        + "omg>]\n"), run);
    assertFalse(Files.exists(dir.resolve("run")), "nothing created");
  }

  @Test
  void saysPermissionDeniedNotDoesNotExistWhenTheSocketsDirectoryCannotBeSearched() throws Exception {
    Assumptions.assumeTrue(SocketPaths.currentUid() != 0, "root searches any directory; SecondUserSystemTest "
        + "checks this as another user");
    Path run = Files.createDirectory(dir.resolve("run"));
    Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("---------"));
    Path socket = run.resolve("engine.sock");
    try {
      Run result = run("ping", "--socket", socket.toString());
      assertEquals(Cli.FAILED, result.exit);
      assertTrue(result.err.startsWith("omg-engine: permission denied at " + socket + ": this user ("
          + System.getProperty("user.name") + ", uid " + SocketPaths.currentUid() + ") cannot search the directory "
          + run + " (--------- (0000), owner uid " + SocketPaths.currentUid() + ", group "), result.err);
    } finally {
      Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx------"));
    }
  }

  @Test
  void stopNeverStartsAnEngineEvenWithAutoStart() {
    Path socket = dir.resolve("run/engine.sock");
    Run run = run("stop", "--auto-start", "--socket", socket.toString());
    assertEquals(new Run(Cli.NOT_RUNNING, "", "omg-engine: no engine at " + socket
        + " (the socket file does not exist)\n"), run);
    assertFalse(Files.exists(dir.resolve("run")), "nothing created");
  }

  @Test
  void parsesJsonAsAFlagWithoutAValue() {
    Cli.Arguments arguments = Cli.Arguments.parse(new String[] {"status", "--json", "--socket", "/s"});
    assertTrue(arguments.json);
    assertEquals(List.of(), arguments.positional);
  }

  @Test
  void exitsWithUsageForJsonOnACommandWithoutJsonOutput() {
    Run run = run("ping", "--json", "--socket", dir.resolve("e.sock").toString());
    assertEquals(Cli.USAGE, run.exit);
    assertEquals("omg-engine: --json works with status, commands and call, not ping\n", run.err);
  }
}
