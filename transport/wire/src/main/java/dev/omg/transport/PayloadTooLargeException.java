package dev.omg.transport;

/** INTERNAL API. An envelope's encoding does not fit in one frame. */
public final class PayloadTooLargeException extends RuntimeException {
  public PayloadTooLargeException(int maxPayloadSize) {
    super("encoded payload exceeds the maximum frame size of " + maxPayloadSize + " bytes");
  }
}
