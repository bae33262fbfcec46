package dev.omg.engine;

import com.typesafe.config.Config;
import dev.omg.config.SettingsException;
import dev.omg.config.Version;
import dev.omg.handler.CommandInfo;
import dev.omg.handler.EngineInfo;
import dev.omg.handler.EngineStats;
import dev.omg.handler.internal.HandlerDefinition;
import dev.omg.routing.RoutingSettings;
import dev.omg.routing.cluster.ClusterSettings;
import dev.omg.routing.cluster.RegistrationFingerprint;
import dev.omg.routing.cluster.WorkerNode;
import dev.omg.transport.SerializationSettings;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.cluster.typed.Cluster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker node ({@code serve --worker --role ROLE}): joins the engine's cluster and serves the clustered
 * commands of its roles with their handler actors, registered with the cluster receptionist. No socket, no lock:
 * any number of workers may run beside the engine. Stops (leaving the cluster gracefully) on
 * {@link #requestShutdown}, and by itself when the engine leaves the cluster or the cluster downs it.
 */
final class Worker implements EngineInfo {
  private static final Logger log = LoggerFactory.getLogger(Worker.class);

  private final List<HandlerDefinition> commands;
  private final List<CommandInfo> infos;
  private final Instant startedAt = Instant.now();
  private final ActorSystem<WorkerNode.Command> system;

  private Worker(Config config, List<String> roles) throws IOException {
    ClassLoader loader = Worker.class.getClassLoader();
    this.commands = WorkerNode.commandsFor(config, roles, loader);
    if (commands.isEmpty()) {
      throw new SettingsException("omg.handlers", "no handler block has a cluster-role of " + roles
          + "; this worker would serve nothing");
    }
    RoutingSettings routing = RoutingSettings.create(config);
    this.infos = commands.stream().map(c -> c.info(routing.requestTimeout, routing.maxQueuedPerHandler)).toList();
    String fingerprint = RegistrationFingerprint.of(SerializationSettings.create(config, loader).userTypes);
    Config node = ClusterSettings.create(config).nodeConfig(config, true, roles);
    this.system = EngineCluster.createSystem(WorkerNode.create(commands, this, fingerprint),
        ClusterSettings.SYSTEM_NAME, node, Props.empty());
    QuietClusterStop.register(system);
    log.info("omg-engine worker {} up at {} (roles: {}, commands: {})", Version.get(),
        Cluster.get(system).selfMember().address(), String.join(", ", roles),
        String.join(", ", commands.stream().map(HandlerDefinition::command).toList()));
    log.info("payload registration fingerprint {}: the engine serves this worker only if it has the same",
        fingerprint);
  }

  /** Starts a worker serving the clustered commands of {@code roles}; returns once its node is bound. */
  static Worker start(Config config, List<String> roles) throws IOException {
    return new Worker(config, roles);
  }

  /** Completes when the worker has left the cluster and stopped. */
  CompletionStage<Done> whenTerminated() {
    return system.getWhenTerminated();
  }

  /** Whether it stopped because it was asked to (a signal), rather than because its cluster dropped it. */
  boolean stoppedOnRequest() {
    return CoordinatedShutdown.get(system).getShutdownReason()
        .map(reason -> reason instanceof Engine.ShutdownReason).orElse(false);
  }

  @Override
  public String version() {
    return Version.get();
  }

  @Override
  public Instant startedAt() {
    return startedAt;
  }

  @Override
  public long pid() {
    return ProcessHandle.current().pid();
  }

  /** A worker has no connections; its requests are counted by the engine. */
  @Override
  public EngineStats stats() {
    return new EngineStats(0, 0, 0, 0, 0, List.of());
  }

  @Override
  public List<CommandInfo> commands() {
    return infos;
  }

  @Override
  public void requestShutdown(String reason) {
    CoordinatedShutdown.get(system).run(new Engine.ShutdownReason(reason));
  }
}
