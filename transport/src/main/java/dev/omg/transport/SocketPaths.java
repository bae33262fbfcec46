package dev.omg.transport;

import com.sun.security.auth.module.UnixSystem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/** INTERNAL API. Where the socket is: one rule for engine and clients, so they always meet. */
public final class SocketPaths {
  /** The environment variable that overrides the configured path. */
  public static final String ENV = "OMG_SOCKET";
  /** sun_path is 108 bytes on Linux, one of which is the terminating NUL. */
  public static final int MAX_PATH_BYTES = 107;

  private SocketPaths() {}

  /**
   * The socket path: {@code --socket} if given, else {@code $OMG_SOCKET}, else the configured path, else
   * {@code $XDG_RUNTIME_DIR/omg/engine.sock}, else {@code /tmp/omg-<uid>/engine.sock}.
   */
  public static Path resolve(Optional<String> flag, Map<String, String> env, String configured) {
    String chosen = flag.filter(s -> !s.isBlank())
        .or(() -> Optional.ofNullable(env.get(ENV)).filter(s -> !s.isBlank()))
        .or(() -> Optional.of(configured).filter(s -> !s.isBlank()))
        .orElse(null);
    if (chosen != null) {
      return Path.of(chosen).toAbsolutePath();
    }
    String runtimeDir = env.get("XDG_RUNTIME_DIR");
    if (runtimeDir != null && !runtimeDir.isBlank()) {
      return Path.of(runtimeDir, "omg", "engine.sock");
    }
    return Path.of("/tmp", "omg-" + currentUid(), "engine.sock");
  }

  /** Refuses a path the kernel cannot bind, naming the limit, before anything is created. */
  public static void checkLength(Path socket) {
    int length = socket.toString().getBytes(StandardCharsets.UTF_8).length;
    if (length > MAX_PATH_BYTES) {
      throw new IllegalArgumentException("socket path is " + length + " bytes, longer than the "
          + MAX_PATH_BYTES + "-byte limit of a Unix socket address (sun_path): " + socket);
    }
  }

  public static long currentUid() {
    return new UnixSystem().getUid();
  }
}
