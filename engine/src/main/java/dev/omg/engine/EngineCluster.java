package dev.omg.engine;

import com.typesafe.config.Config;
import dev.omg.routing.cluster.ClusterRouting;
import dev.omg.routing.cluster.ClusterSettings;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * The engine's part in a cluster, when some handler names a cluster-role: kept out of {@link Engine} so that a
 * plain engine never loads a cluster class.
 */
final class EngineCluster {
  private EngineCluster() {}

  /**
   * The actor system's configuration as the engine's cluster node.
   *
   * @throws dev.omg.config.SettingsException when omg.cluster is invalid or unsafe (a non-loopback address without
   *     TLS)
   */
  static Config nodeConfig(Config config) {
    return ClusterSettings.create(config).nodeConfig(config, false, List.of());
  }

  /** Joins (or founds) the cluster; returns the engine's cluster address. */
  static Address join(ActorSystem<?> system) {
    QuietClusterStop.register(system);
    return ClusterRouting.joinCluster(system, ClusterSettings.create(system.settings().config()));
  }
}
