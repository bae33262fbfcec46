package dev.omg.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import dev.omg.transport.SocketAccess;
import dev.omg.transport.SocketDirectory;
import dev.omg.transport.SocketPaths;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** doctor without an engine: every problem it can see on disk, each with its fix. */
class DoctorTest {
  @TempDir
  Path dir;

  private record Run(int exit, String out, String err) {}

  private static Run doctor(Path socket, String... more) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String[] args = java.util.stream.Stream.concat(java.util.stream.Stream.of("doctor", "--socket", socket.toString()),
        java.util.Arrays.stream(more)).toArray(String[]::new);
    int exit = Main.run(args, Map.of(),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private Path privateDirectory() throws Exception {
    return Files.createDirectory(dir.resolve("run"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
  }

  @Test
  void findsNothingWrongBeforeTheFirstStart() {
    Path socket = dir.resolve("run/engine.sock");
    Run run = doctor(socket);
    assertEquals(new Run(Cli.OK, "omg-engine doctor: the engine at " + socket + "\n"
        + "ok    path      " + socket + " (" + socket.toString().length() + " bytes; the limit is 101)\n"
        + "note  directory " + socket.getParent() + " does not exist yet; serve (or a client with --auto-start) "
        + "creates it 0700\n"
        + "note  engine    none running at " + socket + "\n"
        + "                fix: start one: java -jar omg-engine.jar serve (or pass --auto-start to ping, status or "
        + "call)\n"
        + "no problems found\n", ""), run);
  }

  @Test
  void reportsAPathTooLongWithTheLimitAndTheFix() {
    Path socket = dir.resolve("d".repeat(120)).resolve("engine.sock");
    Run run = doctor(socket);
    assertEquals(Cli.FAILED, run.exit);
    assertEquals("FAIL  path      " + socket + " is " + socket.toString().length() + " bytes, over the 101-byte "
        + "limit of an engine's socket (sun_path is 108 bytes with its NUL; the engine binds a hidden name 6 bytes "
        + "longer)\n                fix: choose a shorter path: --socket PATH, OMG_SOCKET or "
        + "omg.transport.socket-path", run.out.lines().skip(1).limit(2).reduce((a, b) -> a + "\n" + b).orElseThrow());
  }

  @Test
  void reportsADirectoryOpenToOthersWithTheChmodThatFixesIt() throws Exception {
    Path run = privateDirectory();
    Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-xr-x"));
    Run result = doctor(run.resolve("engine.sock"));
    assertEquals(Cli.FAILED, result.exit);
    assertEquals(true, result.out.contains("FAIL  directory " + run + " has mode rwxr-xr-x (0755), open to group "
        + "or others\n                fix: chmod 700 " + run + "\n"), result.out);
  }

  @Test
  void reportsTheStaleSocketAndLockOfAnEngineThatDidNotStopCleanlyAndPrintsTheEndOfItsLog() throws Exception {
    Path run = privateDirectory();
    Path socket = run.resolve("engine.sock");
    // What kill -9 leaves: a socket file nobody listens on, and a lock file nobody holds.
    AFUNIXServerSocket server = AFUNIXServerSocket.newInstance();
    server.setDeleteOnClose(false);
    server.bind(AFUNIXSocketAddress.of(socket));
    server.close();
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    Files.writeString(run.resolve("engine.lock"), "4242\n");
    StringBuilder log = new StringBuilder();
    for (int i = 1; i <= 25; i++) {
      log.append("line ").append(i).append('\n');
    }
    Files.writeString(run.resolve("engine.log"), log);

    Run result = doctor(socket);
    assertEquals(Cli.FAILED, result.exit);
    String expectedTail = String.join("\n", "--- the last 20 lines of " + run.resolve("engine.log") + " ---",
        "line 6", "line 7", "line 8", "line 9", "line 10", "line 11", "line 12", "line 13", "line 14", "line 15",
        "line 16", "line 17", "line 18", "line 19", "line 20", "line 21", "line 22", "line 23", "line 24",
        "line 25", "---", "2 problems found", "");
    assertEquals("omg-engine doctor: the engine at " + socket + "\n"
        + "ok    path      " + socket + " (" + socket.toString().length() + " bytes; the limit is 101)\n"
        + "ok    directory " + run + ": owned by you (uid " + SocketPaths.currentUid() + "), mode rwx------ (0700), not a symlink\n"
        + "warn  lock      " + run.resolve("engine.lock") + " is stale: no process holds it (pid 4242 wrote it and "
        + "did not stop cleanly)\n"
        + "                fix: none needed: the next serve takes it over; or remove it: rm "
        + run.resolve("engine.lock") + "\n"
        + "ok    socket    mode rw------- (0600), owned by you\n"
        + "warn  engine    nothing listens at " + socket + ": a stale socket left by an engine that did not stop "
        + "cleanly\n"
        + "                fix: none needed: the next serve removes it once it holds the lock; or remove it: rm "
        + socket + "\n" + expectedTail, result.out);
    assertEquals(true, Files.exists(socket) && Files.exists(run.resolve("engine.lock")), "doctor removes nothing");
  }

  @Test
  void reportsASocketWiderThanOwnerOnly() throws Exception {
    Path run = privateDirectory();
    Path socket = run.resolve("engine.sock");
    AFUNIXServerSocket server = AFUNIXServerSocket.newInstance();
    server.setDeleteOnClose(false);
    server.bind(AFUNIXSocketAddress.of(socket));
    server.close();
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
    Run result = doctor(socket);
    assertEquals(true, result.out.contains("warn  socket    " + socket + " has mode rw-rw-rw- (0666), not rw------- "
        + "(0600)\n                fix: stop and start the engine (it binds the socket 0600); or chmod 600 " + socket
        + "\n"), result.out);
  }

  @Test
  void reportsARegularFileAtTheBindNameThatServeWouldRefuse() throws Exception {
    Path run = privateDirectory();
    Path socket = run.resolve("engine.sock");
    Path hidden = Files.writeString(run.resolve(".engine.sock.bind"), "notes");
    Run result = doctor(socket);
    assertEquals(Cli.FAILED, result.exit);
    assertEquals(true, result.out.contains("FAIL  socket    " + hidden + " is a regular file, not a socket; serve will "
        + "not start over it\n                fix: move it away or, if it is not needed, remove it (rm " + hidden
        + "), or choose another socket path (--socket, OMG_SOCKET or omg.transport.socket-path) than " + socket
        + "\n"), result.out);
  }

  @Test
  void reportsASymlinkAtTheSocketPathNamingItsTarget() throws Exception {
    Path run = privateDirectory();
    Path socket = Files.createSymbolicLink(run.resolve("engine.sock"), dir.resolve("elsewhere"));
    Run result = doctor(socket);
    assertEquals(Cli.FAILED, result.exit);
    assertEquals(true, result.out.contains("FAIL  socket    " + socket + " is a symbolic link to "
        + dir.resolve("elsewhere") + ", not a socket; serve will not start over it\n                fix: remove the "
        + "link (rm " + socket + "; its target is left alone), or choose another socket path"), result.out);
  }

  /** A group this process may give its files: root may use any, another user its own primary group. */
  private static long sharedGroup() {
    return SocketPaths.currentUid() == 0 ? 65534 : new com.sun.security.auth.module.UnixSystem().getGid();
  }

  private Path sharedConfig() throws Exception {
    return Files.writeString(dir.resolve("shared.conf"), "omg.security.allowed-gids = [" + sharedGroup() + "]\n");
  }

  private static String me() {
    return System.getProperty("user.name") + ", uid " + SocketPaths.currentUid();
  }

  @Test
  void reportsAConfiguredGroupWhoseDirectoryIsStillPrivateWithTheFix() throws Exception {
    Path run = privateDirectory();
    Run result = doctor(run.resolve("engine.sock"), "--config", sharedConfig().toString());
    String group = SocketAccess.describeGroup(sharedGroup());
    String member = SocketAccess.currentUserIsIn(sharedGroup()) ? "" : "not ";
    assertEquals(Cli.FAILED, result.exit);
    assertEquals(true, result.out.contains("warn  group     group " + group + ", configured "
        + "(omg.security.allowed-gids); directory group " + SocketAccess.describeGroup(SocketAccess.group(run))
        + ", mode rwx------ (0700); no socket yet; you (" + me() + ") are " + member + "a member: the directory "
        + "is not yet shared, so the group's members cannot reach the socket\n"
        + "                fix: restart the engine (it gives the directory group "
        + SocketAccess.groupName(sharedGroup()).orElse(Long.toString(sharedGroup())) + " and mode 0750), or: chgrp "
        + sharedGroup() + " " + run + " && chmod 750 " + run + "\n"), result.out);
  }

  @Test
  void reportsASharedDirectoryAndSocketAsTheConfigurationAsksForThem() throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
    Path run = dir.resolve("run");
    SocketAccess access = SocketAccess.sharedWith(sharedGroup());
    SocketDirectory.prepare(run, access);
    Path socket = run.resolve("engine.sock");
    AFUNIXServerSocket server = AFUNIXServerSocket.newInstance();
    server.setDeleteOnClose(false);
    server.bind(AFUNIXSocketAddress.of(socket));
    server.close();
    access.apply(socket, access.socketMode());
    Run result = doctor(socket, "--config", sharedConfig().toString());
    String group = SocketAccess.describeGroup(sharedGroup());
    String member = SocketAccess.currentUserIsIn(sharedGroup()) ? "" : "not ";
    assertEquals(true, result.out.contains("ok    directory " + run + ": owned by you (uid " + SocketPaths.currentUid()
        + "), mode rwxr-x--- (0750), not a symlink\n"
        + "ok    group     group " + group + ", configured (omg.security.allowed-gids); directory group " + group
        + ", mode rwxr-x--- (0750); socket group " + group + ", mode rw-rw---- (0660); you (" + me() + ") are "
        + member + "a member\n"), result.out);
    assertEquals(true, result.out.contains("ok    socket    mode rw-rw---- (0660), owned by you, group " + group
        + "\n"), result.out);
  }

  @Test
  void reportsAParentOfASharedDirectoryThatTheGroupCannotPass() throws Exception {
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    Path run = dir.resolve("run");
    SocketDirectory.prepare(run, SocketAccess.sharedWith(sharedGroup()));
    Run result = doctor(run.resolve("engine.sock"), "--config", sharedConfig().toString());
    assertEquals(Cli.FAILED, result.exit);
    assertEquals(true, result.out.contains("mode rwxr-x--- (0750); no socket yet; you (" + me() + ") are "
        + (SocketAccess.currentUserIsIn(sharedGroup()) ? "" : "not ") + "a member: but the group's members cannot "
        + "pass " + dir + " (rwx------ (0700)), a parent of the directory\n                fix: choose a socket path "
        + "whose parents others may search, e.g. --socket /tmp/omg-team/engine.sock ($XDG_RUNTIME_DIR is its user's "
        + "alone)\n"), result.out);
  }
}
