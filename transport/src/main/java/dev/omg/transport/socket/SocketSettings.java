package dev.omg.transport.socket;

import java.time.Duration;

/**
 * The connector's own settings, per listening socket or outgoing connection.
 *
 * @param backlog connections the kernel queues before they are accepted
 * @param writeBufferSize bytes queued for a socket that is not writable before the stage stops pulling
 * @param acceptBackoff how long accepting pauses after it failed (e.g. no file descriptor left) before it retries
 */
public record SocketSettings(int backlog, int writeBufferSize, Duration acceptBackoff) {
  public static final SocketSettings DEFAULTS = new SocketSettings(128, 256 * 1024, Duration.ofMillis(100));
}
