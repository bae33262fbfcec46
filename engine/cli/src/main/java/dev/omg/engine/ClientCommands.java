package dev.omg.engine;

import com.typesafe.config.Config;
import dev.omg.client.AutoStart;
import dev.omg.client.ClientOptions;
import dev.omg.client.internal.ClientSettings;
import dev.omg.client.Deadline;
import dev.omg.client.EngineClient;
import dev.omg.client.internal.EngineJvmOptions;
import dev.omg.client.EngineException;
import dev.omg.client.NoEngineException;
import dev.omg.client.PendingCall;
import dev.omg.client.RetryPolicy;
import dev.omg.config.OmgConfig;
import dev.omg.config.SettingsException;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.transport.SerializationSettings;
import dev.omg.transport.SocketPaths;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The client side of the CLI. Loads no Pekko and, unless {@code --config} is given, no HOCON either: a client
 * command is a short-lived process whose start-up time the user feels. With auto-start on, ping, status and call
 * start a detached engine when none is running ({@link AutoStart}); stop never does.
 */
final class ClientCommands {
  /** The engine's main class, started by auto-start. */
  static final String ENGINE_MAIN = "dev.omg.engine.Main";
  /** The system property bin/omg sets to the engine jar, for auto-start from the thin CLI jar. */
  static final String ENGINE_JAR_PROPERTY = "omg.engine.jar";
  private final Cli.Arguments arguments;
  private final Map<String, String> env;
  private final PrintStream out;
  private final PrintStream err;
  private ClientOptions options;

  ClientCommands(Cli.Arguments arguments, Map<String, String> env, PrintStream out, PrintStream err) {
    this.arguments = arguments;
    this.env = env;
    this.out = out;
    this.err = err;
  }

  /** What every client-side command needs: where the engine is, how to talk to it, and the client settings. */
  record Setup(Path socket, ClientOptions options, ClientSettings settings) {
    Setup withOptions(ClientOptions changed) {
      return new Setup(socket, changed, settings);
    }
  }

  /** Reads {@code --config} only when given: without it the defaults need no HOCON. */
  static Setup setup(Cli.Arguments arguments, Map<String, String> env) {
    ClientOptions options = ClientOptions.defaults();
    ClientSettings settings = ClientSettings.defaults();
    if (arguments.config.isPresent()) {
      Config config = OmgConfig.loadForClient(arguments.config.map(Path::of));
      settings = ClientSettings.create(config);
      options = options.withMaxFrameSize(settings.maxFrameSize)
          .withUserTypes(SerializationSettings.create(config, ClientCommands.class.getClassLoader()).userTypes);
    }
    if (arguments.autoStart) {
      settings = settings.withAutoStart();
    }
    if (arguments.timeoutSeconds.isPresent()) {
      options = options.withCallTimeout(Duration.ofMillis((long) (arguments.timeoutSeconds.get() * 1000)));
    }
    return new Setup(SocketPaths.resolve(arguments.socket, env, settings.socketPath), options, settings);
  }

  int run() {
    Setup setup;
    try {
      setup = setup(arguments, env);
    } catch (SettingsException e) {
      err.println("omg-engine: configuration error: " + e.getMessage());
      return Cli.FAILED;
    }
    Path socket = setup.socket();
    // OVERLOADED is retried for as long as --timeout allows, the time the user said the whole command may take.
    ClientOptions options = setup.options().withRetry(RetryPolicy.untilDeadline());
    this.options = options;
    if (arguments.command.equals("call") && arguments.positional.isEmpty()) {
      err.println("omg-engine: call needs a COMMAND");
      return Cli.USAGE;
    }
    if (arguments.json && !List.of("status", "commands", "call").contains(arguments.command)) {
      err.println("omg-engine: --json works with status, commands and call, not " + arguments.command);
      return Cli.USAGE;
    }
    if (!arguments.command.equals("call") && !arguments.positional.isEmpty()) {
      err.println("omg-engine: " + arguments.command + " takes no arguments, got " + arguments.positional);
      return Cli.USAGE;
    }
    if (arguments.command.equals("stop")) {
      return stop(socket, options);
    }
    Deadline deadline = commandDeadline(options.callTimeout());
    long connecting = System.nanoTime();
    try (EngineClient client = connect(setup.withOptions(options), deadline)) {
      long connectNanos = System.nanoTime() - connecting;
      return switch (arguments.command) {
        case "ping" -> ping(client, deadline, connectNanos);
        case "status" -> status(client, socket, deadline);
        case "commands" -> commands(client, deadline);
        default -> call(client, deadline);
      };
    } catch (NoEngineException e) {
      err.println("omg-engine: " + e.getMessage() + "; start one with: java -jar omg-engine.jar serve");
      return Cli.NOT_RUNNING;
    } catch (EngineException e) {
      String retry = e.status() == Status.OVERLOADED ? gaveUp(e.retryAfterMillis())
          : e.status() == Status.UNAVAILABLE ? retryAfter(e.retryAfterMillis()) : "";
      err.println("omg-engine: " + e.getMessage() + retry);
      return Cli.FAILED;
    } catch (SocketTimeoutException e) {
      err.println("omg-engine: no answer from the engine at " + socket + " within " + seconds(deadline.budget())
          + " s; is it stopped or overloaded? see 'doctor'");
      return Cli.FAILED;
    } catch (TimeoutException e) {
      err.println("omg-engine: no reply to '" + requestName() + "' from the engine at " + socket + " within "
          + seconds(deadline.budget()) + " s (--timeout); is it stopped, overloaded or still working? see 'doctor'");
      return Cli.FAILED;
    } catch (IOException e) {
      err.println("omg-engine: " + e.getMessage());
      return Cli.FAILED;
    }
  }

  /**
   * The end of the whole command, connect and hello included: --timeout after this JVM started, so that the time
   * the JVM took to start counts too and the user's bound holds for the command as they run it.
   */
  private static Deadline commandDeadline(Duration timeout) {
    Duration sinceStart = ProcessHandle.current().info().startInstant()
        .map(start -> Duration.between(start, Instant.now()))
        .filter(spent -> !spent.isNegative() && spent.compareTo(timeout) < 0)
        .orElse(Duration.ZERO);
    return Deadline.after(timeout, sinceStart);
  }

  private String requestName() {
    return arguments.command.equals("call") ? arguments.positional.get(0) : arguments.command;
  }

  /** Seconds as the user wrote them: 3 s, 0.5 s. */
  static String seconds(Duration duration) {
    return BigDecimal.valueOf(duration.toMillis(), 3).stripTrailingZeros().toPlainString();
  }

  /** UNAVAILABLE is not retried: no worker for the command may come back soon; the user decides. */
  private static String retryAfter(long retryAfterMillis) {
    return " (the engine suggests retrying in " + retryAfterMillis + " ms)";
  }

  private String gaveUp(long retryAfterMillis) {
    return " (retried until --timeout " + seconds(options.callTimeout()) + " s ran out; the engine asked to wait "
        + retryAfterMillis + " ms between tries)";
  }

  private EngineClient connect(Setup setup, Deadline deadline) throws IOException {
    if (!setup.settings().autoStart) {
      return EngineClient.connect(setup.socket(), setup.options(), deadline);
    }
    // Progress only on a terminal: scripts read stderr for the one-line reason of a failure.
    Consumer<String> progress = System.console() != null ? line -> err.println("omg-engine: " + line) : line -> {};
    AutoStart.Launch launch;
    try {
      launch = launch(setup);
    } catch (IOException cannotStart) {
      // Nothing to start: an engine that is already running still serves the command.
      try {
        return EngineClient.connect(setup.socket(), setup.options(), deadline);
      } catch (NoEngineException notRunning) {
        throw cannotStart;
      }
    }
    return AutoStart.connect(setup.socket(), setup.options(), launch, setup.settings().startTimeout, progress);
  }

  /**
   * The engine this client would start: the same JVM, with the engine's JVM options ({@link EngineJvmOptions}),
   * and the same classpath (so the same jar and handler jars) when it holds the engine; the thin CLI jar does not,
   * so it starts the engine jar that bin/omg names in {@value #ENGINE_JAR_PROPERTY}.
   */
  private AutoStart.Launch launch(Setup setup) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // The same heap cap and collector as bin/omg serve, or the user's OMG_ENGINE_JAVA_OPTS.
    command.addAll(EngineJvmOptions.forEngine(env, Runtime.version().feature()));
    String classpath = engineClasspath();
    // The build's class-data archive for the engine jar, when it heads the classpath (the archive names it first).
    Path first = Path.of(classpath.split(File.pathSeparator)[0]);
    if (first.getFileName().toString().endsWith(".jar")) {
      command.addAll(EngineJvmOptions.archive(first, Runtime.version().feature()));
    }
    command.addAll(List.of("-cp", classpath, ENGINE_MAIN, "serve", "--socket", setup.socket().toString()));
    arguments.config.ifPresent(file -> command.addAll(List.of("--config", Path.of(file).toAbsolutePath().toString())));
    return new AutoStart.Launch(command, setup.settings().engineLogFor(setup.socket()),
        setup.settings().access.group());
  }

  private static String engineClasspath() throws IOException {
    // A resource lookup, not Class.forName: finding the engine must not load it.
    if (ClientCommands.class.getClassLoader().getResource(ENGINE_MAIN.replace('.', '/') + ".class") != null) {
      return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
          .map(entry -> Path.of(entry).toAbsolutePath().toString())
          .collect(Collectors.joining(File.pathSeparator));
    }
    String jar = System.getProperty(ENGINE_JAR_PROPERTY, "");
    if (jar.isBlank() || !Files.isRegularFile(Path.of(jar))) {
      throw new IOException("cannot start an engine: this client jar holds none, and " + ENGINE_JAR_PROPERTY
          + (jar.isBlank() ? " is not set" : " names no file: " + jar)
          + "; run the command through bin/omg, or start the engine with: bin/omg serve");
    }
    return Path.of(jar).toAbsolutePath().toString();
  }

  /** Prints the round trip of the ping itself and, apart, what connecting and the hello took before it. */
  private int ping(EngineClient client, Deadline deadline, long connectNanos) throws IOException, TimeoutException {
    long start = System.nanoTime();
    Response reply = client.call("ping", null, deadline);
    long roundTripNanos = System.nanoTime() - start;
    if (!reply.isOk()) {
      return failed(reply);
    }
    out.printf("%s in %s ms (connect + hello %s ms)%n", reply.payload(), millis(roundTripNanos),
        millis(connectNanos));
    return Cli.OK;
  }

  private static String millis(long nanos) {
    long micros = nanos / 1000;
    return String.format("%d.%03d", micros / 1000, micros % 1000);
  }

  private int status(EngineClient client, Path socket, Deadline deadline) throws IOException, TimeoutException {
    Response reply = client.call("status", null, deadline);
    if (!reply.isOk()) {
      return failed(reply);
    }
    if (arguments.json || !(reply.payload() instanceof Map<?, ?> status)) {
      out.println(arguments.json ? Render.json(reply.payload()) : Render.text(reply.payload()));
      return Cli.OK;
    }
    out.printf("omg-engine %s (pid %s) on %s%n", status.get("version"), status.get("pid"), socket);
    out.printf("uptime           %s%n", Render.duration(((Number) status.get("uptime-ms")).longValue()));
    out.printf("connections      %s%n", status.get("connections"));
    out.printf("requests served  %s%n", status.get("requests-served"));
    out.printf("in flight        %s%n", status.get("in-flight"));
    out.printf("queued           %s%n", status.get("queued"));
    if (status.get("workers") instanceof Map<?, ?> workers) {
      out.printf("workers          %s%n", Render.workers(workers));
    }
    if (status.get("commands") instanceof List<?> commands && !commands.isEmpty()) {
      out.println();
      out.print(Render.commandStats(commands));
    }
    return Cli.OK;
  }

  private int commands(EngineClient client, Deadline deadline) throws IOException, TimeoutException {
    Response reply = client.call("commands", null, deadline);
    if (!reply.isOk()) {
      return failed(reply);
    }
    if (arguments.json || !(reply.payload() instanceof List<?> commands)) {
      out.println(arguments.json ? Render.json(reply.payload()) : Render.text(reply.payload()));
      return Cli.OK;
    }
    out.print(Render.commands(commands));
    return Cli.OK;
  }

  /**
   * Stops the engine and waits until it has removed its socket. An engine of another protocol version answers
   * the hello VERSION_MISMATCH; then the stop goes without a hello, which every version serves.
   */
  private int stop(Path socket, ClientOptions options) {
    Response reply;
    try {
      try (EngineClient client = EngineClient.connect(socket, options)) {
        reply = client.call("stop", null);
      } catch (EngineException e) {
        if (e.status() != Status.VERSION_MISMATCH) {
          throw e;
        }
        reply = EngineClient.stopWithoutHello(socket, options);
      }
    } catch (NoEngineException e) {
      err.println("omg-engine: " + e.getMessage());
      return Cli.NOT_RUNNING;
    } catch (IOException | TimeoutException e) {
      err.println("omg-engine: " + e.getMessage());
      return Cli.FAILED;
    }
    if (!reply.isOk()) {
      return failed(reply);
    }
    // The engine answers before it drains; it is stopped once it has removed its lock (and its socket, unless a
    // service manager owns the socket and keeps it).
    Duration timeout = options.callTimeout();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (Files.exists(socket) && Files.exists(SocketPaths.lockPathFor(socket))) {
      if (System.nanoTime() > deadline) {
        err.println("omg-engine: asked the engine to stop, but it still runs after " + timeout.toSeconds() + " s");
        return Cli.FAILED;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Cli.FAILED;
      }
    }
    out.println("stopped the engine at " + socket);
    return Cli.OK;
  }

  /**
   * Sends the request as one that accepts progress: events go to stderr, as a bar redrawn in place on a terminal
   * and as plain lines otherwise, so stdout holds only the result. Ctrl-C cancels the request and waits briefly
   * for its CANCELLED reply. OVERLOADED (answered before any handler saw the request) is retried as the client
   * library's retry policy says.
   */
  private int call(EngineClient client, Deadline deadline) throws IOException, TimeoutException {
    String command = arguments.positional.get(0);
    List<String> args = arguments.positional.subList(1, arguments.positional.size());
    Object payload = args.isEmpty() ? null : args;
    return show(options.retry().run("'" + command + "'", deadline,
        () -> callOnce(client, command, payload, deadline)));
  }

  private Response callOnce(EngineClient client, String command, Object payload, Deadline deadline)
      throws IOException, TimeoutException {
    ProgressView view = new ProgressView(err, System.console() != null);
    PendingCall pending = client.stream(command, payload, view::show);
    Thread cancelOnInterrupt = new Thread(() -> cancel(pending, view), "omg-cancel-on-interrupt");
    Runtime.getRuntime().addShutdownHook(cancelOnInterrupt);
    Response reply;
    try {
      reply = pending.await(deadline);
    } finally {
      view.end();
      try {
        Runtime.getRuntime().removeShutdownHook(cancelOnInterrupt);
      } catch (IllegalStateException shuttingDown) {
        // The JVM is exiting (Ctrl-C): the hook cancels the request.
      }
    }
    return reply;
  }

  private int show(Response reply) {
    if (!reply.isOk()) {
      return failed(reply);
    }
    if (arguments.json) {
      out.println(Render.json(reply.payload()));
    } else if (reply.payload() instanceof byte[] bytes) {
      out.write(bytes, 0, bytes.length);
      out.flush();
    } else if (reply.payload() != null) {
      out.println(Render.text(reply.payload()));
    }
    return Cli.OK;
  }

  /** On Ctrl-C while a call is in flight: cancel it and report how it ended. */
  private void cancel(PendingCall pending, ProgressView view) {
    if (pending.reply().isDone()) {
      return;
    }
    try {
      pending.cancel();
      Response reply = pending.reply().get(2, TimeUnit.SECONDS);
      view.end();
      err.println("omg-engine: " + reply.status() + ": " + reply.error());
    } catch (Exception e) {
      err.println("omg-engine: interrupted; the request may still run in the engine (" + e + ")");
    }
  }

  private int failed(Response reply) {
    String retry = reply.status() == Status.OVERLOADED ? gaveUp(reply.retryAfterMillis())
        : reply.status() == Status.UNAVAILABLE ? retryAfter(reply.retryAfterMillis()) : "";
    err.println("omg-engine: " + reply.status() + ": " + reply.error() + retry);
    return Cli.FAILED;
  }
}
