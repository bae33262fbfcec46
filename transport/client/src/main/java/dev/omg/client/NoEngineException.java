package dev.omg.client;

import java.io.IOException;
import java.nio.file.Path;

/** Nothing is listening at the socket path: the engine is not running there. */
public final class NoEngineException extends IOException {
  private final Path socketPath;

  public NoEngineException(Path socketPath, String message) {
    super(message);
    this.socketPath = socketPath;
  }

  public Path socketPath() {
    return socketPath;
  }
}
