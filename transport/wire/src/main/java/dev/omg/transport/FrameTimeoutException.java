package dev.omg.transport;

import java.time.Duration;

/** INTERNAL API. A frame was started, then the client sent nothing more for too long: stalled or hostile. */
public final class FrameTimeoutException extends FrameException {
  public FrameTimeoutException(Duration timeout, int received, long expected) {
    super("incomplete frame: got " + received + " of " + expected + " bytes, then nothing for "
        + timeout.toMillis() + " ms");
  }
}
