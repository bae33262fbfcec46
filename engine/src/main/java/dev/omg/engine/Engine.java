package dev.omg.engine;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.omg.config.Version;
import dev.omg.handler.CommandInfo;
import dev.omg.handler.EngineInfo;
import dev.omg.handler.EngineStats;
import dev.omg.handlers.HandlerDefinition;
import dev.omg.routing.Router;
import dev.omg.routing.RouterDispatcher;
import dev.omg.routing.RoutingMetrics;
import dev.omg.routing.RoutingSettings;
import dev.omg.transport.ByteBudget;
import dev.omg.transport.ConnectionBudget;
import dev.omg.transport.KryoCodec;
import dev.omg.transport.SerializationSettings;
import dev.omg.transport.ServerConnection;
import dev.omg.transport.SocketDirectory;
import dev.omg.transport.SocketFiles;
import dev.omg.transport.SocketPaths;
import dev.omg.transport.TransportSettings;
import dev.omg.transport.UnixSocketServer;
import dev.omg.transport.socket.SelectorLoops;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API. One running engine: the lock, the socket, the actor system and the connections, started in that
 * order and stopped in reverse by Pekko's coordinated shutdown:
 *
 * <ol>
 *   <li>service-unbind: stop accepting; new requests on open connections are answered SHUTTING_DOWN;
 *   <li>service-requests-done: wait (up to the drain timeout) for in-flight requests, then let each connection
 *       write its last replies and close;
 *   <li>actor-system-terminate: remove the socket file, release and remove the lock.
 * </ol>
 */
public final class Engine implements EngineInfo {
  private static final Logger log = LoggerFactory.getLogger(Engine.class);

  private final Path socketPath;
  private final EngineSettings settings;
  private final Instant startedAt = Instant.now();
  private final RoutingMetrics metrics = new RoutingMetrics();
  private final List<CommandInfo> commands;
  private final LockFile lock;
  private UnixSocketServer server;
  private ActorSystem<Router.Command> system;
  private volatile boolean accepting = true;

  private Engine(Config config, Path socketPath) throws IOException {
    this.socketPath = socketPath;
    this.settings = EngineSettings.create(config);
    TransportSettings transport = TransportSettings.create(config);
    RoutingSettings routing = RoutingSettings.create(config);
    SerializationSettings serialization = SerializationSettings.create(config, Engine.class.getClassLoader());
    List<HandlerDefinition> handlers = HandlerDefinition.all(config, Engine.class.getClassLoader());
    this.commands = handlers.stream()
        .map(h -> h.info(routing.requestTimeout, routing.maxQueuedPerHandler)).toList();

    SocketPaths.checkEngineLength(socketPath);
    SocketDirectory.prepare(socketPath.getParent());
    KryoCodec codec = new KryoCodec(transport.maxFrameSize, serialization.userTypes);
    this.lock = LockFile.acquire(lockPathFor(socketPath), socketPath);
    try {
      if (SocketFiles.removeStale(socketPath)) {
        log.info("removed a stale socket left by an engine that did not stop cleanly: {}", socketPath);
      }
      // The router runs on the selector threads, with the connections: a request reaches it without a hand-off.
      this.system = ActorSystem.create(Router.create(handlers, this), "omg-engine", withDrainTimeout(config),
          DispatcherSelector.fromConfig(SelectorLoops.DISPATCHER));
      RouterDispatcher dispatcher = new RouterDispatcher(system, system.scheduler(), routing, metrics,
          RouterDispatcher.queueLimits(handlers, routing), RouterDispatcher.timeouts(handlers));
      ByteBudget unanswered = new ByteBudget(transport.maxUnansweredBytes);
      String agent = "omg-engine/" + Version.get();
      this.server = UnixSocketServer.bind(system, socketPath, transport, codec, connection ->
          ServerConnection.create("conn-" + connection.id() + " (pid " + connection.peer().pid() + ")", agent,
              codec, routing.maxInFlightPerConnection, transport.frameIdleTimeout, dispatcher, () -> accepting,
              connection.peer(), transport.progressBuffer,
              new ConnectionBudget(transport.maxUnansweredBytesPerConnection, unanswered)),
          Materializer.createMaterializer(system));
    } catch (IOException | RuntimeException e) {
      if (system != null) {
        system.terminate();
      }
      lock.close();
      throw e;
    }
    registerShutdown();
    log.info("omg-engine {} listening on {} (pid {}, handlers: {})", Version.get(), socketPath, pid(),
        String.join(", ", handlers.stream().map(HandlerDefinition::command).toList()));
  }

  /** Starts an engine on {@code socketPath}; returns once it accepts connections. */
  public static Engine start(Config config, Path socketPath) throws IOException {
    return new Engine(config, socketPath);
  }

  /** The lock file that guards {@code socket}: same directory, same name with {@code .lock}. */
  public static Path lockPathFor(Path socket) {
    return SocketPaths.lockPathFor(socket);
  }

  public Path socketPath() {
    return socketPath;
  }

  /** Completes when the engine has stopped and its socket and lock are gone. */
  public CompletionStage<Done> whenTerminated() {
    return system.getWhenTerminated();
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

  @Override
  public EngineStats stats() {
    return new EngineStats(server.openConnections(), metrics.served(), metrics.inFlight(), metrics.queued(),
        metrics.overloaded(), metrics.commands());
  }

  @Override
  public List<CommandInfo> commands() {
    return commands;
  }

  @Override
  public void requestShutdown(String reason) {
    CoordinatedShutdown.get(system).run(new ShutdownReason(reason));
  }

  private void registerShutdown() {
    CoordinatedShutdown shutdown = CoordinatedShutdown.get(system);
    shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "stop-accepting", () -> {
      accepting = false;
      server.close();
      log.info("shutting down: no longer accepting; draining {} in-flight requests", metrics.inFlight());
      return CompletableFuture.completedFuture(Done.getInstance());
    });
    shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "drain", () ->
        CompletableFuture.supplyAsync(this::drain));
    shutdown.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "remove-socket-and-lock", () -> {
      removeSocketAndLock();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
  }

  private Done drain() {
    long deadline = System.nanoTime() + settings.drainTimeout.toNanos();
    try {
      while (metrics.inFlight() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      long abandoned = metrics.inFlight();
      if (abandoned > 0) {
        log.warn("drain timeout ({} ms) passed with {} requests still in flight; closing their connections",
            settings.drainTimeout.toMillis(), abandoned);
        server.closeConnections();
        return Done.getInstance();
      }
      long left = Math.max(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()), 1000);
      server.finishConnections().get(left, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      log.warn("connections did not close in time; closing them");
      server.closeConnections();
    } catch (Exception e) {
      log.warn("draining: {}", e.toString());
      server.closeConnections();
    }
    return Done.getInstance();
  }

  private void removeSocketAndLock() {
    try {
      for (Path kept : SocketFiles.remove(socketPath)) {
        log.warn("left {} in place: it is no longer this engine's socket", kept);
      }
      lock.close();
      log.info("stopped; removed {}", socketPath);
    } catch (IOException e) {
      log.warn("removing socket and lock: {}", e.getMessage());
    }
  }

  /** The drain phase's own timeout must leave room for the drain itself. */
  private static Config withDrainTimeout(Config config) {
    Duration drain = EngineSettings.create(config).drainTimeout;
    return ConfigFactory.parseString("pekko.coordinated-shutdown.phases.service-requests-done.timeout = "
        + (drain.toMillis() + 5000) + "ms").withFallback(config);
  }

  /** Why the engine stopped, in Pekko's terms. */
  private record ShutdownReason(String text) implements CoordinatedShutdown.Reason {
    @Override
    public String toString() {
      return text;
    }
  }
}
