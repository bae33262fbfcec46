package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.transport.SocketDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * The real engine removes only a stale socket of its own: whatever else stands at its socket path, its hidden
 * bind name or its lock path refuses the start, exit status 1 with a message naming it and the fix, and is left
 * exactly as it was.
 */
class SocketFilesSystemTest {
  private static final String ELSEWHERE = "or choose another socket path (--socket, OMG_SOCKET or "
      + "omg.transport.socket-path) than ";

  @TempDir
  Path dir;

  private Path socket;
  private Path hidden;
  private Path lock;

  @BeforeEach
  void prepare() throws Exception {
    Path run = dir.resolve("run");
    SocketDirectory.prepare(run);
    socket = run.resolve("engine.sock");
    hidden = run.resolve(".engine.sock.bind");
    lock = run.resolve("engine.lock");
  }

  private Cli.Result serve() throws Exception {
    return Cli.run("serve", "--socket", socket.toString());
  }

  /** The one line the refused start ends with; the log may say more before it. */
  private static void assertRefused(String message, Cli.Result result) {
    assertEquals(1, result.exitCode(), result.stderr());
    assertTrue(result.stderr().endsWith("omg-engine: " + message + "\n"), result.stderr());
  }

  @Test
  void refusesToStartOverARegularFileAtTheSocketPathAndLeavesIt() throws Exception {
    Files.writeString(socket, "someone's notes");
    assertRefused(socket + " is a regular file, not a socket; refusing to start on " + socket + "; fix: move it "
        + "away or, if it is not needed, remove it (rm " + socket + "), " + ELSEWHERE + socket, serve());
    assertEquals("someone's notes", Files.readString(socket));
    assertFalse(Files.exists(lock), "the lock is released and removed");
  }

  @Test
  void refusesToStartOverAnEmptyDirectoryAtTheSocketPathAndLeavesIt() throws Exception {
    Files.createDirectory(socket);
    assertRefused(socket + " is a directory, not a socket; refusing to start on " + socket + "; fix: move it "
        + "away or, if it is not needed, remove it (rm -r " + socket + "), " + ELSEWHERE + socket, serve());
    assertTrue(Files.isDirectory(socket));
  }

  @Test
  void refusesToStartOverASymlinkAtTheSocketPathAndLeavesItAndItsTarget() throws Exception {
    Path target = Files.writeString(dir.resolve("precious.txt"), "keep me");
    Files.createSymbolicLink(socket, target);
    assertRefused(socket + " is a symbolic link to " + target + ", not a socket; refusing to start on " + socket
        + "; fix: remove the link (rm " + socket + "; its target is left alone), " + ELSEWHERE + socket, serve());
    assertTrue(Files.isSymbolicLink(socket));
    assertEquals("keep me", Files.readString(target));
  }

  @Test
  void refusesToStartOverALiveForeignListenerAtTheSocketPathWhichKeepsServing() throws Exception {
    try (AFUNIXServerSocket foreign = AFUNIXServerSocket.bindOn(AFUNIXSocketAddress.of(socket))) {
      assertRefused(socket + " is a live socket: another process listens on it (not an engine of this socket: "
          + "none holds its lock); refusing to start on " + socket + "; fix: stop that process (ss -xlp | grep "
          + socket + " names it), " + ELSEWHERE + socket, serve());
      assertStillListens(foreign, socket);
    }
  }

  @Test
  void refusesToStartOverALiveForeignListenerAtTheHiddenBindNameWhichKeepsServing() throws Exception {
    try (AFUNIXServerSocket foreign = AFUNIXServerSocket.bindOn(AFUNIXSocketAddress.of(hidden))) {
      assertRefused(hidden + " is a live socket: another process listens on it (not an engine of this socket: "
          + "none holds its lock); refusing to start on " + socket + "; fix: stop that process (ss -xlp | grep "
          + hidden + " names it), " + ELSEWHERE + socket, serve());
      assertStillListens(foreign, hidden);
      assertFalse(Files.exists(socket), "nothing was linked to the public name");
    }
  }

  @Test
  void refusesToStartOverASymlinkAtTheLockPathAndLeavesItsTargetUntouched() throws Exception {
    Path target = Files.writeString(dir.resolve("precious.txt"), "keep me\n");
    Files.createSymbolicLink(lock, target);
    assertRefused(lock + " is a symbolic link to " + target + ", not the engine's lock file; refusing to start "
        + "(nothing was written to it); fix: remove the link (rm " + lock + "; its target is left alone), or "
        + "choose another socket path", serve());
    assertEquals("keep me\n", Files.readString(target));
    assertTrue(Files.isSymbolicLink(lock));
    assertFalse(Files.exists(socket), "nothing was bound");
  }

  private static void assertStillListens(AFUNIXServerSocket foreign, Path path) throws Exception {
    try (AFUNIXSocket client = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(path));
        AFUNIXSocket accepted = foreign.accept()) {
      assertTrue(accepted.isConnected(), "the foreign listener still accepts at " + path);
    }
  }
}
