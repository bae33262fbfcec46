package dev.omg.client.internal;

import com.typesafe.config.Config;
import dev.omg.config.Settings;
import dev.omg.config.SettingsException;
import dev.omg.transport.FrameHeader;
import dev.omg.transport.SocketAccess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

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
  /** The engine's log file, or empty for next to the socket ({@code omg.client.engine-log}). */
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
    try {
      return SocketAccess.forAllowed(ids(config, "omg.security.allowed-uids"),
          ids(config, "omg.security.allowed-gids"));
    } catch (SocketAccess.UnusableSettingException e) {
      throw new SettingsException(e.key(), e.getMessage());
    }
  }

  private static Set<Long> ids(Config config, String path) {
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

  /** Where the engine at {@code socket} logs: the configured file, else {@code engine.sock -> engine.log}. */
  public Path engineLogFor(Path socket) {
    if (!engineLog.isBlank()) {
      return Path.of(engineLog);
    }
    String name = socket.getFileName().toString();
    String base = name.endsWith(".sock") ? name.substring(0, name.length() - ".sock".length()) : name;
    return socket.resolveSibling(base + ".log");
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
