package dev.omg.routing;

import com.typesafe.config.Config;
import dev.omg.config.Settings;
import java.time.Duration;

/** INTERNAL API. The typed, validated {@code omg.routing} settings. */
public final class RoutingSettings {
  public final Duration requestTimeout;
  public final int maxInFlightPerConnection;
  public final int maxInFlight;
  public final int maxQueuedPerHandler;
  public final Duration overloadRetryAfter;

  private RoutingSettings(Config config) {
    requestTimeout = Settings.positiveDuration(config, "omg.routing.request-timeout");
    maxInFlightPerConnection = Settings.intInRange(config, "omg.routing.max-in-flight-per-connection", 1, 65536);
    maxInFlight = Settings.intInRange(config, "omg.routing.max-in-flight", 1, 1 << 24);
    maxQueuedPerHandler = Settings.intInRange(config, "omg.routing.max-queued-per-handler", 1, 1 << 20);
    overloadRetryAfter = Settings.positiveDuration(config, "omg.routing.overload-retry-after");
  }

  public static RoutingSettings create(Config config) {
    return new RoutingSettings(config);
  }
}
