package dev.omg.client;

import dev.omg.protocol.Status;
import java.io.IOException;

/**
 * The engine refused or ended the connection: it said why with a status (UNAUTHORIZED, VERSION_MISMATCH,
 * PROTOCOL_ERROR, ...), or the connection closed with requests still unanswered.
 */
public final class EngineException extends IOException {
  private final Status status;
  private final long retryAfterMillis;

  public EngineException(Status status, String message) {
    this(status, message, 0);
  }

  /** With OVERLOADED: the engine's hint of when to try again. */
  public EngineException(Status status, String message, long retryAfterMillis) {
    super(message);
    this.status = status;
    this.retryAfterMillis = retryAfterMillis;
  }

  public EngineException(Status status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.retryAfterMillis = 0;
  }

  /** With OVERLOADED, how long the engine asked the client to wait; else 0. */
  public long retryAfterMillis() {
    return retryAfterMillis;
  }

  /** The engine's status, or null when the connection ended without one. */
  public Status status() {
    return status;
  }
}
