package dev.omg.transport;

/** INTERNAL API. The stream ended in the middle of a frame. */
public final class TruncatedFrameException extends FrameException {
  public TruncatedFrameException(int received, long expected) {
    super("connection closed in the middle of a frame: got " + received + " of " + expected + " bytes");
  }
}
