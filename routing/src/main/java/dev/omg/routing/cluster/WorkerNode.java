package dev.omg.routing.cluster;

import dev.omg.handler.EngineInfo;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.internal.HandlerDefinition;
import dev.omg.routing.Router;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import com.typesafe.config.Config;
import java.util.List;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * INTERNAL API. The guardian of a worker node ({@code serve --worker}): for each clustered command it serves, the
 * command's handler actors and the {@link WorkerEndpoint} that registers them with the cluster receptionist. When
 * the engine leaves the cluster, the worker stops too ({@link #ENGINE_LEFT}): a worker left in a cluster without
 * an engine would never join the next engine's.
 */
public final class WorkerNode extends AbstractBehavior<WorkerNode.Command> {

  public interface Command {}

  private record MemberRemoved(ClusterEvent.MemberRemoved event) implements Command {}

  /** Why a worker stops when its engine left: the worker exits non-zero, for a supervisor to restart it. */
  public static final CoordinatedShutdown.Reason ENGINE_LEFT = new CoordinatedShutdown.Reason() {
    @Override
    public String toString() {
      return "the engine left the cluster";
    }
  };

  private WorkerNode(ActorContext<Command> context, List<HandlerDefinition> commands, EngineInfo engine,
      String fingerprint) {
    super(context);
    for (HandlerDefinition definition : commands) {
      ActorRef<HandlerMessage> handlers = Router.spawnHandlers(context, definition, engine);
      context.spawn(WorkerEndpoint.create(definition.command(), handlers, fingerprint, engine.version()),
          "worker-" + URLEncoder.encode(definition.command(), StandardCharsets.UTF_8));
    }
    Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(
        context.messageAdapter(ClusterEvent.MemberRemoved.class, MemberRemoved::new),
        ClusterEvent.MemberRemoved.class));
  }

  /**
   * @param commands the clustered commands this worker serves, their classes loaded
   * @param fingerprint this node's {@link RegistrationFingerprint}
   */
  public static Behavior<Command> create(List<HandlerDefinition> commands, EngineInfo engine, String fingerprint) {
    return Behaviors.setup(context -> new WorkerNode(context, commands, engine, fingerprint));
  }

  /**
   * The clustered commands a worker with {@code roles} serves, their classes loaded from {@code loader}.
   *
   * @throws dev.omg.config.SettingsException when a handler class is missing or not a handler
   */
  public static List<HandlerDefinition> commandsFor(Config config, List<String> roles, ClassLoader loader) {
    return HandlerDefinition.all(config, loader).stream()
        .filter(definition -> definition.clusterRole().filter(roles::contains).isPresent())
        .map(definition -> definition.loaded(loader))
        .toList();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(MemberRemoved.class, this::onMemberRemoved).build();
  }

  private Behavior<Command> onMemberRemoved(MemberRemoved removed) {
    // A node that leaves sees every other member removed as it goes; only an up worker has lost its engine.
    MemberStatus self = Cluster.get(getContext().getSystem()).selfMember().status();
    boolean up = self.equals(MemberStatus.up()) || self.equals(MemberStatus.weaklyUp());
    if (up && removed.event().member().hasRole(ClusterSettings.ENGINE_ROLE)) {
      getContext().getLog().warn("the engine {} left the cluster; stopping this worker",
          removed.event().member().address());
      CoordinatedShutdown.get(getContext().getSystem()).run(ENGINE_LEFT);
    }
    return this;
  }
}
