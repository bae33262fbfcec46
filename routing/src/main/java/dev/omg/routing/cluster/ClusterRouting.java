package dev.omg.routing.cluster;

import com.typesafe.config.Config;
import dev.omg.handler.EngineInfo;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.internal.HandlerDefinition;
import dev.omg.routing.Router;
import dev.omg.routing.WorkerCounts;
import dev.omg.transport.SerializationSettings;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/** INTERNAL API. How the router serves a command with a {@code cluster-role}: through worker nodes. */
public final class ClusterRouting {
  private ClusterRouting() {}

  /**
   * Spawns {@code definition}'s {@link ClusterCommand} and the handler that feeds it, as children of
   * {@code context}; returns that handler, which the router treats as the command's own.
   */
  public static ActorRef<HandlerMessage> spawn(ActorContext<?> context, HandlerDefinition definition,
      EngineInfo engine, WorkerCounts workers) {
    Config config = context.getSystem().settings().config();
    ClusterSettings settings = ClusterSettings.create(config);
    String fingerprint = RegistrationFingerprint.of(
        SerializationSettings.create(config, ClusterRouting.class.getClassLoader()).userTypes);
    String role = definition.clusterRole().orElseThrow();
    ActorRef<ClusterCommand.Command> command = context.spawn(ClusterCommand.create(definition.command(), role,
        fingerprint, settings.unavailableRetryAfter, workers),
        "cluster-" + URLEncoder.encode(definition.command(), StandardCharsets.UTF_8));
    HandlerContext handlerContext = new HandlerContext(definition.command(), definition.config(), engine);
    return context.spawn(ClusterForwarder.create(handlerContext, command), Router.handlerName(definition));
  }

  /**
   * Has the engine's node join the cluster: itself, founding it, when {@code omg.cluster.seed-nodes} is empty (the
   * Pekko seed nodes already cover the other case). Returns the node's address.
   */
  public static Address joinCluster(ActorSystem<?> system, ClusterSettings settings) {
    Cluster cluster = Cluster.get(system);
    Address self = cluster.selfMember().address();
    if (settings.seedNodes.isEmpty()) {
      cluster.manager().tell(Join.create(self));
    }
    return self;
  }
}
