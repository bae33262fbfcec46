package dev.omg.transport;

/** INTERNAL API. A frame arrived whole but its payload is not one well-formed envelope. */
public final class MalformedPayloadException extends RuntimeException {
  private final long requestId;

  public MalformedPayloadException(long requestId, String message) {
    super(message);
    this.requestId = requestId;
  }

  /** The id of the request the frame carried, when that much could be read; else 0. */
  public long requestId() {
    return requestId;
  }
}
