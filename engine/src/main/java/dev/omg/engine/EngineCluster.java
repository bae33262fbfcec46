package dev.omg.engine;

import com.typesafe.config.Config;
import dev.omg.routing.cluster.ClusterRouting;
import dev.omg.routing.cluster.ClusterSettings;
import java.io.IOException;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.remote.RemoteTransportException;

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

  /**
   * Creates a cluster node's actor system, which binds its cluster port at once.
   *
   * @throws IOException naming the address and the setting to change when the port cannot be bound (another
   *     engine with clustered commands holds it, most likely), instead of Pekko's exception with its stack trace
   */
  static <T> ActorSystem<T> createSystem(Behavior<T> guardian, String name, Config config, Props props)
      throws IOException {
    try {
      return ActorSystem.create(guardian, name, config, props);
    } catch (RemoteTransportException e) {
      ClusterSettings settings = ClusterSettings.create(config);
      Throwable cause = e;
      while (cause.getCause() != null) {
        cause = cause.getCause();
      }
      int port = config.getInt("pekko.remote.artery.canonical.port");
      throw new IOException("the cluster port " + settings.hostname + ":" + port + " cannot be bound ("
          + cause.getMessage() + "); another engine or worker may hold it: give this node another port (serve"
          + " --cluster-port N, or omg.cluster.port for an engine, worker-port for a worker)", e);
    }
  }

  /** Joins (or founds) the cluster; returns the engine's cluster address. */
  static Address join(ActorSystem<?> system) {
    QuietClusterStop.register(system);
    return ClusterRouting.joinCluster(system, ClusterSettings.create(system.settings().config()));
  }
}
