package dev.omg.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.config.OmgConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.apache.pekko.stream.javadsl.Flow;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class UnixSocketServerTest {
  private static final TransportSettings SETTINGS = TransportSettings.create(OmgConfig.parse(""));
  private static final KryoCodec CODEC = new KryoCodec(SETTINGS.maxFrameSize, Map.of());
  @RegisterExtension
  static final TestActorSystem actors = new TestActorSystem();

  @TempDir
  Path dir;

  private static UnixSocketServer bind(Path socket) throws Exception {
    return UnixSocketServer.bind(actors.system(), socket, SETTINGS, CODEC, connection -> Flow.create(), actors.materializer());
  }

  @Test
  void bindsUnderTheHiddenNameMakesItOwnerOnlyThenLinksThePublicNameToIt() throws Exception {
    Path run = dir.resolve("run");
    SocketDirectory.prepare(run);
    Path socket = run.resolve("engine.sock");
    try (UnixSocketServer server = bind(socket)) {
      Path hidden = run.resolve(".engine.sock.bind");
      assertEquals(hidden, UnixSocketServer.bindPathFor(socket));
      assertTrue(Files.isSameFile(socket, hidden), "the public name is a hard link to the bound socket");
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
      assertEquals(2, ((Number) Files.getAttribute(socket, "unix:nlink")).intValue());
    }
    assertTrue(Files.exists(socket), "closing the listener leaves the files to the engine's shutdown");
    assertEquals(List.of(), SocketFiles.remove(socket));
    assertFalse(Files.exists(socket));
    assertFalse(Files.exists(UnixSocketServer.bindPathFor(socket)));
  }

  @Test
  void givesTheSocketTheSharedGroupAndModeSixSixtyBeforeLinkingThePublicName() throws Exception {
    // Root may give files any group; another user its own primary group.
    long group = SocketPaths.currentUid() == 0 ? 65534 : new com.sun.security.auth.module.UnixSystem().getGid();
    TransportSettings shared = TransportSettings.create(OmgConfig.parse("omg.security.allowed-gids = [" + group
        + "]"));
    Path run = dir.resolve("run");
    SocketDirectory.prepare(run, shared.access);
    Path socket = run.resolve("engine.sock");
    try (UnixSocketServer server = UnixSocketServer.bind(actors.system(), socket, shared, CODEC,
        connection -> Flow.create(), actors.materializer())) {
      Path hidden = UnixSocketServer.bindPathFor(socket);
      assertTrue(Files.isSameFile(socket, hidden), "one inode: its group and mode were set before the link");
      assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
      assertEquals(group, ((Number) Files.getAttribute(socket, "unix:gid")).longValue());
      assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(run)));
      assertEquals(group, ((Number) Files.getAttribute(run, "unix:gid")).longValue());
    }
    SocketFiles.remove(socket);
  }

  @Test
  void refusesAPathWhoseHiddenNameWouldNotFitBeforeCreatingAnything() throws Exception {
    Path run = dir.resolve("run");
    SocketDirectory.prepare(run);
    Path socket = run.resolve("s".repeat(SocketPaths.MAX_ENGINE_PATH_BYTES - run.toString().length()));
    assertEquals(SocketPaths.MAX_ENGINE_PATH_BYTES + 1, SocketPaths.byteLength(socket));
    assertThrows(IllegalArgumentException.class, () -> bind(socket));
    try (var files = Files.list(run)) {
      assertEquals(0, files.count(), "nothing bound, nothing linked");
    }
  }
}
