package dev.omg.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

class SocketFilesTest {
  @TempDir
  Path dir;

  private Path run;
  private Path socket;
  private Path hidden;

  @BeforeEach
  void prepare() throws Exception {
    run = dir.resolve("run");
    SocketDirectory.prepare(run);
    socket = run.resolve("engine.sock");
    hidden = run.resolve(".engine.sock.bind");
  }

  /** What a killed engine leaves: both names of a socket nobody listens on. */
  private void leaveStaleSocket() throws Exception {
    try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) {
      server.setDeleteOnClose(false);
      server.bind(AFUNIXSocketAddress.of(hidden));
      Files.createLink(socket, hidden);
    }
  }

  @Test
  void removesBothNamesOfAStaleSocketOfItsOwnUid() throws Exception {
    leaveStaleSocket();
    assertTrue(SocketFiles.removeStale(socket));
    assertFalse(Files.exists(socket));
    assertFalse(Files.exists(hidden));
  }

  @Test
  void reportsNothingRemovedWhenNothingIsThere() throws Exception {
    assertFalse(SocketFiles.removeStale(socket));
  }

  @Test
  void refusesARegularFileAndLeavesIt() throws Exception {
    Files.writeString(socket, "data");
    SocketFiles.ForeignFileException e =
        assertThrows(SocketFiles.ForeignFileException.class, () -> SocketFiles.removeStale(socket));
    assertEquals(socket + " is a regular file, not a socket; refusing to start on " + socket + "; fix: move it "
        + "away or, if it is not needed, remove it (rm " + socket + "), or choose another socket path (--socket, "
        + "OMG_SOCKET or omg.transport.socket-path) than " + socket, e.getMessage());
    assertEquals("data", Files.readString(socket));
  }

  @Test
  void refusesAStaleSocketWhoseBindNameIsARegularFileAndRemovesNeither() throws Exception {
    leaveStaleSocket();
    Files.delete(hidden);
    Files.writeString(hidden, "data");
    SocketFiles.ForeignFileException e =
        assertThrows(SocketFiles.ForeignFileException.class, () -> SocketFiles.removeStale(socket));
    assertTrue(e.getMessage().startsWith(hidden + " is a regular file, not a socket; "), e.getMessage());
    assertTrue(Files.exists(socket), "checked everything before removing anything");
  }

  @Test
  void refusesASocketSomeoneListensOn() throws Exception {
    try (AFUNIXServerSocket server = AFUNIXServerSocket.bindOn(AFUNIXSocketAddress.of(socket))) {
      SocketFiles.ForeignFileException e =
          assertThrows(SocketFiles.ForeignFileException.class, () -> SocketFiles.removeStale(socket));
      assertEquals(socket + " is a live socket: another process listens on it (not an engine of this socket: "
          + "none holds its lock); refusing to start on " + socket + "; fix: stop that process (ss -xlp | grep "
          + socket + " names it), or choose another socket path (--socket, OMG_SOCKET or "
          + "omg.transport.socket-path) than " + socket, e.getMessage());
      assertTrue(Files.exists(socket));
    }
  }

  @Test
  void refusesASocketOfAnotherUid() throws Exception {
    assumeTrue(SocketPaths.currentUid() == 0, "only root can give a file to another uid");
    leaveStaleSocket();
    Files.setAttribute(hidden, "unix:uid", 65534);
    SocketFiles.ForeignFileException e =
        assertThrows(SocketFiles.ForeignFileException.class, () -> SocketFiles.removeStale(socket));
    assertTrue(e.getMessage().startsWith(socket + " is a socket owned by uid 65534, not by this user (uid 0); "),
        e.getMessage());
    assertTrue(Files.exists(socket));
  }

  @Test
  void atStopLeavesWhatIsNoLongerItsSocket() throws Exception {
    Files.writeString(socket, "data");
    leaveStaleSocketUnder(hidden);
    assertEquals(List.of(socket), SocketFiles.remove(socket));
    assertEquals("data", Files.readString(socket));
    assertFalse(Files.exists(hidden));
  }

  private static void leaveStaleSocketUnder(Path path) throws Exception {
    try (AFUNIXServerSocket server = AFUNIXServerSocket.newInstance()) {
      server.setDeleteOnClose(false);
      server.bind(AFUNIXSocketAddress.of(path));
    }
  }
}
