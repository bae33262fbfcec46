package dev.omg.engine;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.omg.config.Version;
import dev.omg.handler.CommandInfo;
import dev.omg.handler.EngineInfo;
import dev.omg.handler.EngineStats;
import dev.omg.handler.internal.HandlerDefinition;
import dev.omg.routing.RequestRouter;
import dev.omg.routing.Router;
import dev.omg.routing.RoutingMetrics;
import dev.omg.routing.RoutingSettings;
import dev.omg.routing.WorkerCounts;
import dev.omg.transport.ByteBudget;
import dev.omg.transport.ClientWarnings;
import dev.omg.transport.ConnectionBudget;
import dev.omg.transport.InheritedSocket;
import dev.omg.transport.KryoCodec;
import dev.omg.transport.SerializationSettings;
import dev.omg.transport.ServerConnection;
import dev.omg.transport.SocketDirectory;
import dev.omg.transport.SocketFiles;
import dev.omg.transport.SocketPaths;
import dev.omg.transport.TransportSettings;
import dev.omg.transport.UnixSocketServer;
import dev.omg.transport.socket.IncomingConnection;
import dev.omg.transport.socket.SelectorLoops;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running engine. {@link #start} brings it up in named steps, each undone if a later one fails: check the
 * socket path, prepare its directory, take the lock, remove a stale socket, start the actor system (the router
 * and the handlers), bind the socket, register the shutdown. Pekko's coordinated shutdown stops it in reverse:
 *
 * <ol>
 *   <li>service-unbind: stop accepting; new requests on open connections are answered SHUTTING_DOWN;
 *   <li>service-requests-done: wait (up to the drain timeout) until no request is in flight, then let each
 *       connection write its last replies and close;
 *   <li>actor-system-terminate: remove the socket file, release and remove the lock.
 * </ol>
 *
 * <p>Started by a service manager with a listening socket ({@link InheritedSocket}), the engine checks and serves
 * that socket instead of binding one; it removes no stale socket and, at the end, leaves the socket file in place
 * (the service manager still listens on it). The lock, the peer checks and the drain are the same.
 */
final class Engine implements EngineInfo {
  private static final Logger log = LoggerFactory.getLogger(Engine.class);

  private final Config config;
  private final boolean clustered;
  private final Path socketPath;
  private final EngineSettings settings;
  private final TransportSettings transport;
  private final RoutingSettings routing;
  private final KryoCodec codec;
  private final List<HandlerDefinition> handlers;
  private final List<CommandInfo> commands;
  private final RoutingMetrics metrics = new RoutingMetrics();
  private final WorkerCounts workers = new WorkerCounts();
  private final Instant startedAt = Instant.now();
  private LockFile lock;
  private ActorSystem<Router.Command> system;
  private UnixSocketServer server;
  /** The service manager's socket, when the engine was socket-activated. */
  private InheritedSocket inherited;
  private volatile boolean accepting = true;

  /** Reads and checks the settings and the handler blocks; touches nothing. */
  private Engine(Config config, Path socketPath) {
    this.socketPath = socketPath;
    this.settings = EngineSettings.create(config);
    this.transport = TransportSettings.create(config);
    this.routing = RoutingSettings.create(config);
    SerializationSettings serialization = SerializationSettings.create(config, Engine.class.getClassLoader());
    this.codec = new KryoCodec(transport.maxFrameSize, serialization.userTypes);
    this.handlers = HandlerDefinition.all(config, Engine.class.getClassLoader());
    // Only an engine with clustered commands joins a cluster (and loads its classes).
    this.clustered = handlers.stream().anyMatch(handler -> handler.clusterRole().isPresent());
    this.config = clustered ? EngineCluster.nodeConfig(config) : withoutClusterSerializers(config);
    this.commands = handlers.stream().map(h -> h.info(routing.requestTimeout, routing.maxQueuedPerHandler)).toList();
  }

  /** Starts an engine on {@code socketPath}; returns once it accepts connections. */
  static Engine start(Config config, Path socketPath) throws IOException {
    return start(config, socketPath, Optional.empty());
  }

  /**
   * Starts an engine on {@code socketPath}, serving the socket among {@code passed} (socket activation) instead of
   * binding one when given; returns once it accepts connections.
   */
  static Engine start(Config config, Path socketPath, Optional<List<InheritedSocket.Passed>> passed)
      throws IOException {
    Engine engine = new Engine(config, socketPath);
    engine.prepareDirectory();
    if (passed.isPresent()) {
      engine.takeInherited(passed.get());
    }
    engine.takeLock();
    try {
      if (engine.inherited == null) {
        engine.removeStaleSocket();
      }
      engine.startActorSystem();
      engine.bind();
      engine.registerShutdown();
    } catch (IOException | RuntimeException e) {
      try {
        engine.abandonStart();
      } catch (IOException | RuntimeException undoing) {
        e.addSuppressed(undoing);
      }
      throw e;
    }
    log.info("omg-engine {} listening on {} (pid {}, handlers: {})", Version.get(), socketPath, engine.pid(),
        String.join(", ", engine.handlers.stream().map(HandlerDefinition::command).toList()));
    return engine;
  }

  /**
   * The socket path fits the kernel's limit, this user can give files the shared group if one is configured, and
   * the directory is this user's alone, or shared with that group (created if missing).
   */
  private void prepareDirectory() throws IOException {
    SocketPaths.checkEngineLength(socketPath);
    transport.access.checkUsable();
    SocketDirectory.prepare(socketPath.getParent(), transport.access);
  }

  /** The socket the service manager passed, once it proves to be the one the engine would have bound. */
  private void takeInherited(List<InheritedSocket.Passed> passed) throws IOException {
    inherited = InheritedSocket.take(passed, socketPath, transport.access);
  }

  /** One engine per socket: fails when another engine holds the lock. */
  private void takeLock() throws IOException {
    lock = LockFile.acquire(lockPathFor(socketPath), socketPath);
  }

  /** A socket left by an engine that crashed; only the lock holder may remove it. */
  private void removeStaleSocket() throws IOException {
    if (SocketFiles.removeStale(socketPath)) {
      log.info("removed a stale socket left by an engine that did not stop cleanly: {}", socketPath);
    }
  }

  /** The actor system, whose guardian is the router with its handler actors. */
  private void startActorSystem() throws IOException {
    // The router runs on the selector threads, with the connections: a request reaches it without a hand-off.
    Behavior<Router.Command> router = Router.create(handlers, this, workers);
    Props onSelectors = DispatcherSelector.fromConfig(SelectorLoops.DISPATCHER);
    system = clustered ? EngineCluster.createSystem(router, "omg-engine", withDrainTimeout(config), onSelectors)
        : ActorSystem.create(router, "omg-engine", withDrainTimeout(config), onSelectors);
    if (clustered) {
      List<String> clustered = handlers.stream().filter(h -> h.clusterRole().isPresent())
          .map(h -> h.command() + " @" + h.clusterRole().get()).toList();
      log.info("cluster node {} founded or joining (clustered commands: {})", EngineCluster.join(system),
          String.join(", ", clustered));
    }
  }

  /** Binds the socket and serves each connection through the request router. */
  private void bind() throws IOException {
    RequestRouter requests = new RequestRouter(system, system.scheduler(), routing, metrics, handlers,
        ClientWarnings.get(system));
    ByteBudget unanswered = new ByteBudget(transport.maxUnansweredBytes);
    String agent = "omg-engine/" + Version.get();
    Function<IncomingConnection, Flow<ByteString, ByteString, ?>> serve = connection ->
        ServerConnection.create("conn-" + connection.id() + " (pid " + connection.peer().pid() + ")", agent,
            codec, routing.maxInFlightPerConnection, transport.frameIdleTimeout, requests, () -> accepting,
            connection.peer(), transport.progressBuffer,
            new ConnectionBudget(transport.maxUnansweredBytesPerConnection, unanswered));
    if (inherited == null) {
      server = UnixSocketServer.bind(system, socketPath, transport, codec, serve,
          Materializer.createMaterializer(system));
      return;
    }
    server = UnixSocketServer.serveInherited(system, inherited, transport, codec, serve,
        Materializer.createMaterializer(system));
    log.info("serving the socket inherited from the service manager: fd {} ({}), listening at {}",
        inherited.fd(), inherited.name(), socketPath);
  }

  /** Undoes the steps taken so far: the socket is not bound yet, so the actor system and the lock. */
  private void abandonStart() throws IOException {
    if (system != null) {
      system.terminate();
    }
    lock.close();
  }

  /** The lock file that guards {@code socket}: same directory, same name with {@code .lock}. */
  static Path lockPathFor(Path socket) {
    return SocketPaths.lockPathFor(socket);
  }

  /** Completes when the engine has stopped and its socket and lock are gone. */
  CompletionStage<Done> whenTerminated() {
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
        metrics.overloaded(), metrics.commands(), workers.byRole());
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
    shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "drain", this::drain);
    shutdown.addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(), "remove-socket-and-lock", () -> {
      removeSocketAndLock();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
  }

  /**
   * Waits, holding no thread, until no request is in flight or the drain timeout passes; then lets the
   * connections write their last replies and close, in what is left of the timeout (at least a second).
   */
  private CompletionStage<Done> drain() {
    long deadline = System.nanoTime() + settings.drainTimeout.toNanos();
    return metrics.whenIdle().toCompletableFuture()
        .thenApply(idle -> true)
        .completeOnTimeout(false, settings.drainTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .thenCompose(idle -> {
          if (!idle) {
            log.warn("drain timeout ({} ms) passed with {} requests still in flight; closing their connections",
                settings.drainTimeout.toMillis(), metrics.inFlight());
            server.closeConnections();
            return CompletableFuture.completedFuture(Done.getInstance());
          }
          long left = Math.max(TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()), 1000);
          return server.finishConnections().orTimeout(left, TimeUnit.MILLISECONDS)
              .handle((finished, failure) -> {
                if (failure != null) {
                  log.warn(failure instanceof TimeoutException ? "connections did not close in time; closing them"
                      : "draining: " + failure);
                  server.closeConnections();
                }
                return Done.getInstance();
              });
        });
  }

  private void removeSocketAndLock() {
    try {
      if (inherited != null) {
        lock.close();
        log.info("stopped; left {} in place: the service manager's socket", socketPath);
        return;
      }
      for (Path kept : SocketFiles.remove(socketPath)) {
        log.warn("left {} in place: it is no longer this engine's socket", kept);
      }
      lock.close();
      log.info("stopped; removed {}", socketPath);
    } catch (IOException e) {
      log.warn("removing socket and lock: {}", e.getMessage());
    }
  }

  /**
   * Pekko builds every configured serializer at start; the remote and cluster jars (there for clustered commands)
   * add fourteen, about 250 classes and 60-200 ms on 2 busy cores, that an engine without clustered commands never
   * uses. The engine jar leaves their reference.conf out (engine/pom.xml); run from a class path of separate jars,
   * each such serializer becomes {@link UnusedSerializer} (Pekko checks that every key of its reference.conf is
   * set), and its bindings "none", which Pekko skips without loading the bound class.
   */
  static Config withoutClusterSerializers(Config config) {
    Map<String, Object> overrides = new HashMap<>();
    Set<String> dropped = new HashSet<>();
    config.getObject("pekko.actor.serializers").unwrapped().forEach((alias, type) -> {
      if (String.valueOf(type).startsWith("org.apache.pekko.remote.")
          || String.valueOf(type).startsWith("org.apache.pekko.cluster.")) {
        dropped.add(alias);
        overrides.put(alias, UnusedSerializer.class.getName());
      }
    });
    Map<String, Object> bindings = new HashMap<>();
    config.getObject("pekko.actor.serialization-bindings").unwrapped().forEach((type, alias) -> {
      if (dropped.contains(String.valueOf(alias))) {
        bindings.put(type, "none");
      }
    });
    // Class names as keys: one key each, not paths.
    return ConfigFactory.parseMap(Map.of("pekko.actor.serializers", ConfigValueFactory.fromMap(overrides),
            "pekko.actor.serialization-bindings", ConfigValueFactory.fromMap(bindings)),
            "engine without clustered commands")
        .withFallback(config);
  }

  /** The drain phase's own timeout must leave room for the drain itself. */
  private static Config withDrainTimeout(Config config) {
    Duration drain = EngineSettings.create(config).drainTimeout;
    return ConfigFactory.parseString("pekko.coordinated-shutdown.phases.service-requests-done.timeout = "
        + (drain.toMillis() + 5000) + "ms").withFallback(config);
  }

  /** Why the engine stopped, in Pekko's terms. */
  record ShutdownReason(String text) implements CoordinatedShutdown.Reason {
    @Override
    public String toString() {
      return text;
    }
  }
}
