package dev.omg.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.security.auth.module.UnixSystem;
import dev.omg.transport.SocketPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a starting client prepares before the engine runs: the directory the engine will accept. */
class AutoStartTest {
  @TempDir
  Path dir;

  @Test
  void preparesTheDirectoryWithTheSharedGroupTheEngineWillUse() throws Exception {
    // Root may give files any group; another user its own primary group.
    long group = SocketPaths.currentUid() == 0 ? 65534 : new UnixSystem().getGid();
    Path socket = dir.resolve("run/engine.sock");
    AutoStart.Launch launch = new AutoStart.Launch(List.of("/bin/false"), dir.resolve("run/engine.log"),
        OptionalLong.of(group));
    assertThrows(IOException.class,
        () -> AutoStart.connect(socket, ClientOptions.defaults(), launch, Duration.ofSeconds(2), line -> {}));
    Path run = socket.getParent();
    assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(run)));
    assertEquals(group, ((Number) Files.getAttribute(run, "unix:gid")).longValue());
  }
}
