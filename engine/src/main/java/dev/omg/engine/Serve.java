package dev.omg.engine;

import com.typesafe.config.Config;
import dev.omg.client.internal.EngineJvmOptions;
import dev.omg.config.OmgConfig;
import dev.omg.config.SettingsException;
import dev.omg.protocol.Request;
import dev.omg.transport.InheritedSocket;
import dev.omg.transport.KryoCodec;
import dev.omg.transport.SocketDirectory;
import dev.omg.transport.SocketFiles;
import dev.omg.transport.SocketPaths;
import dev.omg.transport.TransportSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.newsclub.net.unix.AFUNIXSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/** {@code serve}: runs the engine in the foreground until SIGTERM, SIGINT or {@code stop}; then exits 0. */
final class Serve {
  private static final Logger log = LoggerFactory.getLogger(Serve.class);

  private Serve() {}

  static int run(Cli.Arguments arguments, Map<String, String> env, PrintStream err) {
    if (arguments.worker) {
      return runWorker(arguments, err);
    }
    long entered = System.nanoTime();
    preloadInBackground();
    long configured;
    Engine engine;
    try {
      Config config = withClusterOverrides(OmgConfig.load(arguments.config.map(Path::of)), arguments);
      if (arguments.logFile.isPresent()) {
        logToFile(Path.of(arguments.logFile.get()).toAbsolutePath(), EngineSettings.create(config));
      }
      configured = System.nanoTime();
      Path socket = SocketPaths.resolve(arguments.socket, env, TransportSettings.create(config).socketPath);
      engine = Engine.start(config, socket, passedSockets(env));
    } catch (SettingsException e) {
      err.println("omg-engine: configuration error: " + e.getMessage());
      return Cli.FAILED;
    } catch (LockFile.AlreadyRunningException | LockFile.UnsafeLockFileException | InheritedSocket.RefusedException
        | SocketDirectory.UnsafeDirectoryException | SocketFiles.ForeignFileException e) {
      err.println("omg-engine: " + e.getMessage());
      return Cli.FAILED;
    } catch (IOException | IllegalArgumentException e) {
      err.println("omg-engine: cannot start: " + e.getMessage());
      return Cli.FAILED;
    }
    logStartTimes(entered, configured, System.nanoTime());
    // Once started: a refused start prints only its reason.
    logDefaultHeapCap();
    handleSignals(engine::requestShutdown);
    engine.whenTerminated().toCompletableFuture().join();
    return Cli.OK;
  }

  /** {@code serve --worker}: a worker node until SIGTERM or SIGINT (exit 0), or until its cluster drops it (1). */
  private static int runWorker(Cli.Arguments arguments, PrintStream err) {
    Worker worker;
    try {
      Config config = withClusterOverrides(OmgConfig.load(arguments.config.map(Path::of)), arguments);
      worker = Worker.start(config, arguments.roles);
    } catch (SettingsException e) {
      err.println("omg-engine: configuration error: " + e.getMessage());
      return Cli.FAILED;
    } catch (IOException e) {
      err.println("omg-engine: cannot start the worker: " + e.getMessage());
      return Cli.FAILED;
    } catch (RuntimeException e) {
      err.println("omg-engine: cannot start the worker: " + e);
      return Cli.FAILED;
    }
    handleSignals(worker::requestShutdown);
    worker.whenTerminated().toCompletableFuture().join();
    return worker.stoppedOnRequest() ? Cli.OK : Cli.FAILED;
  }

  /** {@code --cluster-port} and {@code --seed} over the configuration; the cluster classes load only for them. */
  private static Config withClusterOverrides(Config config, Cli.Arguments arguments) {
    if (arguments.clusterPort.isEmpty() && arguments.seeds.isEmpty()) {
      return config;
    }
    return dev.omg.routing.cluster.ClusterSettings.withOverrides(config, arguments.worker,
        arguments.clusterPort.orElse(null), arguments.seeds);
  }

  /** Handling the signals ourselves (rather than in a JVM shutdown hook) lets the node drain and exit 0. */
  private static void handleSignals(java.util.function.Consumer<String> shutdown) {
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> {
        log.info("received SIG{}", signal.getName());
        shutdown.accept("SIG" + signal.getName());
      });
    }
  }

  /** The listening sockets a service manager passed to this process (socket activation), if any. */
  private static Optional<List<InheritedSocket.Passed>> passedSockets(Map<String, String> env)
      throws InheritedSocket.RefusedException {
    long pid = ProcessHandle.current().pid();
    Optional<List<InheritedSocket.Passed>> passed = InheritedSocket.passedTo(pid, env);
    String listenPid = env.get("LISTEN_PID");
    if (listenPid != null && !listenPid.trim().equals(Long.toString(pid))) {
      log.info("LISTEN_PID is {}, not this process (pid {}): the descriptors are another process's; binding the "
          + "socket", listenPid, pid);
    }
    return passed;
  }

  /**
   * From here on the log goes to {@code file} (what went before, and what the JVM itself prints, stays on
   * stderr, which auto-start keeps in a file of its own next to it).
   */
  private static void logToFile(Path file, EngineSettings settings) throws IOException {
    try {
      LogSetup.toFile(file, settings.logMaxFileSize, settings.logMaxFiles);
    } catch (IOException e) {
      throw new IOException("cannot log to " + file + ": " + e, e);
    }
  }

  /**
   * Loads junixsocket's native library (about 70-100 ms: it copies the library out of the jar first) and
   * initializes Kryo's default serializers with an encode (about 20-30 ms) on another thread while this one
   * parses the configuration and starts the actor system, which need neither until they bind the socket. A
   * failure here is left to the real start to meet and report.
   */
  private static void preloadInBackground() {
    Thread preload = new Thread(() -> {
      try {
        AFUNIXSocket.isSupported();
        // Through the codec, never a bare Kryo: WireFormat turns Kryo's Unsafe use off before Kryo initializes.
        new KryoCodec(1024).encode(new Request(0, "ping", null));
      } catch (RuntimeException | LinkageError e) {
        // The start itself loads both again and reports what fails.
      }
    }, "omg-preload");
    preload.setDaemon(true);
    preload.start();
  }

  /** Where the start went, for docs/performance.md's breakdown (OMG_LOG_LEVEL=DEBUG). */
  private static void logStartTimes(long entered, long configured, long listening) {
    if (log.isDebugEnabled()) {
      // The JVM's uptime is read only here: the management beans cost milliseconds a normal start does not pay.
      long sinceEntered = System.nanoTime() - entered;
      long jvmToServe = ManagementFactory.getRuntimeMXBean().getUptime() - sinceEntered / 1_000_000;
      log.debug("started: JVM start to serve {} ms, configuration {} ms, engine to listening {} ms", jvmToServe,
          (configured - entered) / 1_000_000, (listening - configured) / 1_000_000);
    }
  }

  /**
   * The JVM's own heap cap is a quarter of the machine's memory, far more than a resident daemon should be let
   * grow to; say so once when no cap was given (bin/omg and auto-start give one).
   */
  private static void logDefaultHeapCap() {
    boolean capped = ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
        .anyMatch(option -> option.startsWith("-Xmx") || option.startsWith("-XX:MaxHeapSize=")
            || option.startsWith("-XX:MaxRAMPercentage=") || option.startsWith("-XX:MaxRAM="));
    if (!capped) {
      log.info("max heap {} MiB, the JVM's default for this machine; cap it with -Xmx (bin/omg: "
          + "OMG_ENGINE_JAVA_OPTS, default {})", Runtime.getRuntime().maxMemory() >> 20, EngineJvmOptions.DEFAULT);
    }
  }
}
