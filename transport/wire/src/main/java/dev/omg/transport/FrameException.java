package dev.omg.transport;

/**
 * INTERNAL API. The byte stream cannot be split into frames any more; the connection must close. Subclasses keep
 * "too long" apart from "corrupted" and "truncated" so that logs and error replies say which.
 */
public abstract sealed class FrameException extends RuntimeException
    permits FrameTooLongException, CorruptedFrameException, TruncatedFrameException, FrameTimeoutException {
  FrameException(String message) {
    super(message, null, false, false);
  }
}
