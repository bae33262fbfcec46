package dev.omg.transport;

/** INTERNAL API. A length header announced more bytes than the configured maximum. */
public final class FrameTooLongException extends FrameException {
  private final long length;
  private final int maxFrameSize;

  public FrameTooLongException(long length, int maxFrameSize) {
    super("frame length " + length + " exceeds the maximum of " + maxFrameSize + " bytes");
    this.length = length;
    this.maxFrameSize = maxFrameSize;
  }

  public long length() {
    return length;
  }

  public int maxFrameSize() {
    return maxFrameSize;
  }
}
