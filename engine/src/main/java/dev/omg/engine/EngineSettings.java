package dev.omg.engine;

import com.typesafe.config.Config;
import dev.omg.config.Settings;
import java.time.Duration;

/** INTERNAL API. The typed, validated {@code omg.engine} settings. */
final class EngineSettings {
  final Duration drainTimeout;

  private EngineSettings(Config config) {
    drainTimeout = Settings.positiveDuration(config, "omg.engine.drain-timeout");
  }

  static EngineSettings create(Config config) {
    return new EngineSettings(config);
  }
}
