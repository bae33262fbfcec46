package dev.omg.client;

import dev.omg.protocol.Status;
import java.io.IOException;

/**
 * The engine refused or ended the connection: it said why with a status (UNAUTHORIZED, VERSION_MISMATCH,
 * PROTOCOL_ERROR, ...), or the connection closed with requests still unanswered.
 */
public final class EngineException extends IOException {
  private final Status status;

  public EngineException(Status status, String message) {
    super(message);
    this.status = status;
  }

  public EngineException(Status status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  /** The engine's status, or null when the connection ended without one. */
  public Status status() {
    return status;
  }
}
