package dev.omg.client.internal;

import com.typesafe.config.Config;
import dev.omg.config.Settings;
import dev.omg.config.SettingsException;
import dev.omg.transport.FrameHeader;
import dev.omg.transport.SocketAccess;
import dev.omg.transport.SocketPaths;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * The typed, validated {@code omg.client} settings, and the two {@code omg.transport} keys a client shares with the
 * engine (where the socket is, how long a frame may be). {@link #defaults()} are the reference.conf values without
 * loading HOCON, so a client command without {@code --config} starts fast; a test keeps the two equal.
 */
public final class ClientSettings {
  /** Start an engine when none listens ({@code omg.client.auto-start}). */
  public final boolean autoStart;
  /** How long to wait for a started engine to answer ({@code omg.client.start-timeout}). */
  public final Duration startTimeout;
  /** An auto-started engine's log file, or empty for the default ({@code omg.client.engine-log}). */
  public final String engineLog;
  /** The configured socket path, or empty for the default ({@code omg.transport.socket-path}). */
  public final String socketPath;
  /** Largest payload sent or accepted ({@code omg.transport.max-frame-size}). */
  public final int maxFrameSize;
  /**
   * Who the engine's file modes let in ({@code omg.security}): what an auto-started engine's directory is made
   * with, and what {@code doctor} checks against.
   */
  public final SocketAccess access;

  private ClientSettings(boolean autoStart, Duration startTimeout, String engineLog, String socketPath,
      int maxFrameSize, SocketAccess access) {
    this.autoStart = autoStart;
    this.startTimeout = startTimeout;
    this.engineLog = engineLog;
    this.socketPath = socketPath;
    this.maxFrameSize = maxFrameSize;
    this.access = access;
  }

  public static ClientSettings create(Config config) {
    String log = Settings.string(config, "omg.client.engine-log");
    if (!log.isBlank() && !Path.of(log).isAbsolute()) {
      throw new SettingsException("omg.client.engine-log", "must be an absolute path or \"\", got \"" + log + "\"");
    }
    return new ClientSettings(Settings.bool(config, "omg.client.auto-start"),
        Settings.positiveDuration(config, "omg.client.start-timeout"), log,
        Settings.string(config, "omg.transport.socket-path"),
        (int) Settings.bytes(config, "omg.transport.max-frame-size", FrameHeader.MIN_MAX_FRAME_SIZE,
            FrameHeader.MAX_MAX_FRAME_SIZE), access(config));
  }

  private static SocketAccess access(Config config) {
    return socketAccess(securityIds(config, "omg.security.allowed-uids"),
        securityIds(config, "omg.security.allowed-gids"));
  }

  /** The socket's access for omg.security's lists; a setting that cannot work fails by its key. Engine's too. */
  public static SocketAccess socketAccess(Set<Long> allowedUids, Set<Long> allowedGids) {
    try {
      return SocketAccess.forAllowed(allowedUids, allowedGids);
    } catch (SocketAccess.UnusableSettingException e) {
      throw new SettingsException(e.key(), e.getMessage());
    }
  }

  /** An omg.security list of uids or gids at {@code path}: non-negative ids. The engine's settings read it too. */
  public static Set<Long> securityIds(Config config, String path) {
    List<Integer> ids = Settings.intList(config, path);
    for (int id : ids) {
      if (id < 0) {
        throw new SettingsException(path, "ids must be non-negative, got " + id);
      }
    }
    return Set.copyOf(ids.stream().map(Integer::longValue).toList());
  }

  /** The values in reference.conf. */
  public static ClientSettings defaults() {
    return new ClientSettings(false, Duration.ofSeconds(10), "", "", FrameHeader.DEFAULT_MAX_FRAME_SIZE,
        SocketAccess.ownerOnly());
  }

  /** The same settings with auto-start on, for {@code --auto-start}. */
  public ClientSettings withAutoStart() {
    return new ClientSettings(true, startTimeout, engineLog, socketPath, maxFrameSize, access);
  }

  /**
   * Where an engine auto-started at {@code socket} logs: the configured file, else {@link #logDirectory}'s
   * {@code engine.log} for the default socket and {@code <name>-<CRC-32 of the socket's path>.log} for any other
   * ({@code /tmp/x/engine.sock -> engine-1a2b3c4d.log}), so that two engines never share a log.
   */
  public Path engineLogFor(Path socket, Map<String, String> env) {
    if (!engineLog.isBlank()) {
      return Path.of(engineLog);
    }
    Path normal = socket.toAbsolutePath().normalize();
    if (normal.equals(SocketPaths.resolve(Optional.empty(), env, ""))) {
      return logDirectory(env).resolve("engine.log");
    }
    String name = normal.getFileName().toString();
    String base = name.endsWith(".sock") ? name.substring(0, name.length() - ".sock".length()) : name;
    CRC32 crc = new CRC32();
    crc.update(normal.toString().getBytes(StandardCharsets.UTF_8));
    return logDirectory(env).resolve(base + "-" + String.format("%08x", crc.getValue()) + ".log");
  }

  /**
   * The XDG base directory for state that outlives a reboot, logs included: {@code $XDG_STATE_HOME/omg}, else
   * {@code ~/.local/state/omg} (a relative XDG_STATE_HOME is ignored, as the XDG spec says).
   */
  public static Path logDirectory(Map<String, String> env) {
    String state = env.get("XDG_STATE_HOME");
    if (state != null && Path.of(state).isAbsolute()) {
      return Path.of(state, "omg");
    }
    String home = env.get("HOME");
    return Path.of(home != null && !home.isBlank() ? home : System.getProperty("user.home"), ".local", "state",
        "omg");
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ClientSettings that && autoStart == that.autoStart
        && startTimeout.equals(that.startTimeout) && engineLog.equals(that.engineLog)
        && socketPath.equals(that.socketPath) && maxFrameSize == that.maxFrameSize && access.equals(that.access);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(autoStart, startTimeout, engineLog, socketPath, maxFrameSize, access);
  }

  @Override
  public String toString() {
    return "ClientSettings[auto-start=" + autoStart + ", start-timeout=" + startTimeout + ", engine-log=\""
        + engineLog + "\", socket-path=\"" + socketPath + "\", max-frame-size=" + maxFrameSize + ", access=" + access
        + "]";
  }
}
