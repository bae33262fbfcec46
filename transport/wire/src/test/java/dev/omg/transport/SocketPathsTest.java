package dev.omg.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SocketPathsTest {
  /** A path of exactly {@code bytes} bytes: /tmp/ then a's then /engine.sock. */
  private static Path pathOf(int bytes) {
    return Path.of("/tmp/" + "a".repeat(bytes - "/tmp/".length() - "/engine.sock".length()) + "/engine.sock");
  }

  @Test
  void defaultsToTheRuntimeDirectoryThenToTmpNamedAfterTheUid() {
    assertEquals(Path.of("/run/user/1000/omg/engine.sock"),
        SocketPaths.resolve(Optional.empty(), Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), ""));
    assertEquals(Path.of("/tmp/omg-" + SocketPaths.currentUid() + "/engine.sock"),
        SocketPaths.resolve(Optional.empty(), Map.of(), ""));
  }

  @Test
  void prefersTheFlagThenTheEnvironmentThenTheConfiguredPath() {
    Map<String, String> env = Map.of("OMG_SOCKET", "/env/e.sock", "XDG_RUNTIME_DIR", "/run/user/1000");
    assertEquals(Path.of("/flag/e.sock"), SocketPaths.resolve(Optional.of("/flag/e.sock"), env, "/conf/e.sock"));
    assertEquals(Path.of("/env/e.sock"), SocketPaths.resolve(Optional.empty(), env, "/conf/e.sock"));
    assertEquals(Path.of("/conf/e.sock"),
        SocketPaths.resolve(Optional.empty(), Map.of("XDG_RUNTIME_DIR", "/x"), "/conf/e.sock"));
  }

  @Test
  void acceptsAnEnginePathWhoseHiddenBindNameFillsSunPathExactly() {
    SocketPaths.checkEngineLength(pathOf(101));
    assertEquals(107, SocketPaths.byteLength(SocketPaths.bindPathFor(pathOf(101))));
  }

  @Test
  void refusesAnEnginePathOverTheLimitNamingTheLimit() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SocketPaths.checkEngineLength(pathOf(102)));
    assertEquals("socket path is 102 bytes, over the 101-byte limit of an engine's socket (sun_path is 108 bytes "
        + "with its terminating NUL, and the engine first binds a hidden name 6 bytes longer): " + pathOf(102),
        e.getMessage());
  }

  @Test
  void refusesAClientPathLongerThanSunPathNamingTheLimit() {
    SocketPaths.checkLength(pathOf(107));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SocketPaths.checkLength(pathOf(108)));
    assertEquals("socket path is 108 bytes, over the 107-byte limit of a Unix socket address (sun_path is 108 "
        + "bytes with its terminating NUL): " + pathOf(108), e.getMessage());
  }

  @Test
  void countsBytesNotCharacters() {
    assertEquals(6, SocketPaths.byteLength(Path.of("/é/ü")));
  }
}
