package dev.omg.transport;

import com.typesafe.config.Config;
import dev.omg.client.internal.ClientSettings;
import dev.omg.config.Settings;
import java.time.Duration;
import java.util.Set;

/** INTERNAL API. The typed, validated {@code omg.transport} and {@code omg.security} settings. */
public final class TransportSettings {
  /** The configured socket path, or empty for the default. */
  public final String socketPath;
  public final int maxFrameSize;
  public final int readBufferSize;
  public final int writeBatchSize;
  public final Set<Long> allowedUids;
  public final Set<Long> allowedGids;
  /** Who the file modes let reach the socket: the owner, or the owner and the one group of allowed-gids. */
  public final SocketAccess access;
  public final Duration frameIdleTimeout;
  public final int maxConnections;
  public final Duration connectionRetryAfter;
  public final int progressBuffer;
  public final int selectorThreads;
  public final int backlog;
  public final Duration acceptBackoff;
  public final long maxUnansweredBytesPerConnection;
  public final long maxUnansweredBytes;
  /** Warnings of one client-triggered cause logged before the rate limit applies. */
  public final int warningBurst;
  /** After the burst, at most one warning of a cause per this; also how often the suppressed counts are logged. */
  public final Duration warningInterval;

  private TransportSettings(Config config) {
    socketPath = Settings.string(config, "omg.transport.socket-path");
    maxFrameSize = (int) Settings.bytes(config, "omg.transport.max-frame-size", FrameHeader.MIN_MAX_FRAME_SIZE,
        FrameHeader.MAX_MAX_FRAME_SIZE);
    readBufferSize = (int) Settings.bytes(config, "omg.transport.read-buffer-size", 512, 1L << 20);
    writeBatchSize = (int) Settings.bytes(config, "omg.transport.write-batch-size", 4L << 10, 16L << 20);
    frameIdleTimeout = Settings.positiveDuration(config, "omg.transport.frame-idle-timeout");
    maxConnections = Settings.intInRange(config, "omg.transport.max-connections", 1, 1 << 20);
    connectionRetryAfter = Settings.positiveDuration(config, "omg.transport.connection-retry-after");
    progressBuffer = Settings.intInRange(config, "omg.transport.progress-buffer", 1, 65536);
    allowedUids = ClientSettings.securityIds(config, "omg.security.allowed-uids");
    allowedGids = ClientSettings.securityIds(config, "omg.security.allowed-gids");
    access = ClientSettings.socketAccess(allowedUids, allowedGids);
    // Read by SelectorLoops inside Pekko's dispatcher set-up; validated here so a bad value fails the start by its key.
    selectorThreads = Settings.intInRange(config, "omg.transport.selector-threads", 1, 64);
    backlog = Settings.intInRange(config, "omg.transport.backlog", 1, 65535);
    acceptBackoff = Settings.positiveDuration(config, "omg.transport.accept-backoff");
    maxUnansweredBytesPerConnection = Settings.bytes(config, "omg.transport.max-unanswered-bytes-per-connection",
        maxFrameSize, 1L << 40);
    maxUnansweredBytes = Settings.bytes(config, "omg.transport.max-unanswered-bytes",
        maxUnansweredBytesPerConnection, 1L << 40);
    warningBurst = Settings.intInRange(config, "omg.transport.client-warnings.burst", 1, 1000);
    warningInterval = Settings.positiveDuration(config, "omg.transport.client-warnings.interval");
  }

  public static TransportSettings create(Config config) {
    return new TransportSettings(config);
  }
}
