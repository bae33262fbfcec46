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
  /** What the hidden bind name adds to the socket's path: a leading "." and a trailing ".bind". */
  public static final int BIND_NAME_EXTRA_BYTES = ".".length() + ".bind".length();
  /**
   * The longest socket path an engine serves: its hidden bind name ({@link #bindPathFor}) must fit
   * in sun_path too, or the socket could not be 0600 before its public name exists.
   */
  public static final int MAX_ENGINE_PATH_BYTES = MAX_PATH_BYTES - BIND_NAME_EXTRA_BYTES;

  private SocketPaths() {}

  /** The lock file that guards {@code socket}: same directory, same name with {@code .lock}. */
  public static Path lockPathFor(Path socket) {
    String name = socket.getFileName().toString();
    String base = name.endsWith(".sock") ? name.substring(0, name.length() - ".sock".length()) : name;
    return socket.resolveSibling(base + ".lock");
  }

  /** The hidden name the engine binds its socket under before linking it to {@code socket}. */
  public static Path bindPathFor(Path socket) {
    return socket.resolveSibling("." + socket.getFileName() + ".bind");
  }

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

  /** The path's length as the kernel counts it: UTF-8 bytes, without the terminating NUL. */
  public static int byteLength(Path socket) {
    return socket.toString().getBytes(StandardCharsets.UTF_8).length;
  }

  /**
   * Refuses a path the engine cannot bind safely, naming the limit, before anything is created: the socket is
   * first bound under a hidden name {@value #BIND_NAME_EXTRA_BYTES} bytes longer, which must fit in sun_path.
   */
  public static void checkEngineLength(Path socket) {
    int length = byteLength(socket);
    if (length > MAX_ENGINE_PATH_BYTES) {
      throw new IllegalArgumentException("socket path is " + length + " bytes, over the "
          + MAX_ENGINE_PATH_BYTES + "-byte limit of an engine's socket (sun_path is " + (MAX_PATH_BYTES + 1)
          + " bytes with its terminating NUL, and the engine first binds a hidden name "
          + BIND_NAME_EXTRA_BYTES + " bytes longer): " + socket);
    }
  }

  /** Refuses a path the kernel cannot connect to, naming the limit. */
  public static void checkLength(Path socket) {
    int length = byteLength(socket);
    if (length > MAX_PATH_BYTES) {
      throw new IllegalArgumentException("socket path is " + length + " bytes, over the " + MAX_PATH_BYTES
          + "-byte limit of a Unix socket address (sun_path is " + (MAX_PATH_BYTES + 1)
          + " bytes with its terminating NUL): " + socket);
    }
  }

  public static long currentUid() {
    return new UnixSystem().getUid();
  }
}
