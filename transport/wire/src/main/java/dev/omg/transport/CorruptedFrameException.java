package dev.omg.transport;

/** INTERNAL API. A length header that can never be valid (negative). */
public final class CorruptedFrameException extends FrameException {
  public CorruptedFrameException(String message) {
    super(message);
  }
}
