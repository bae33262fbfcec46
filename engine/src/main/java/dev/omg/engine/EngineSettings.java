package dev.omg.engine;

import com.typesafe.config.Config;
import dev.omg.config.Settings;
import java.time.Duration;

/** INTERNAL API. The typed, validated {@code omg.engine} settings. */
final class EngineSettings {
  final Duration drainTimeout;
  /** Where serve --log-file rolls its file over, in bytes. */
  final long logMaxFileSize;
  /** Files serve --log-file keeps, the one being written included. */
  final int logMaxFiles;

  private EngineSettings(Config config) {
    drainTimeout = Settings.positiveDuration(config, "omg.engine.drain-timeout");
    logMaxFileSize = Settings.bytes(config, "omg.engine.log-file.max-file-size", 4L << 10, 1L << 30);
    logMaxFiles = Settings.intInRange(config, "omg.engine.log-file.max-files", 2, 21);
  }

  static EngineSettings create(Config config) {
    return new EngineSettings(config);
  }
}
