package dev.omg.engine;

import com.typesafe.config.Config;
import dev.omg.client.ClientOptions;
import dev.omg.client.EngineClient;
import dev.omg.client.EngineException;
import dev.omg.client.RetryPolicy;
import dev.omg.client.NoEngineException;
import dev.omg.config.OmgConfig;
import dev.omg.config.SettingsException;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.transport.SocketPaths;
import dev.omg.transport.TransportSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * The client side of the CLI. Loads no Pekko and, unless {@code --config} is given, no HOCON either: a client
 * command is a short-lived process whose start-up time the user feels.
 */
final class ClientCommands {
  private final Main.Arguments arguments;
  private final Map<String, String> env;
  private final PrintStream out;
  private final PrintStream err;

  ClientCommands(Main.Arguments arguments, Map<String, String> env, PrintStream out, PrintStream err) {
    this.arguments = arguments;
    this.env = env;
    this.out = out;
    this.err = err;
  }

  int run() {
    Path socket;
    ClientOptions options = ClientOptions.defaults();
    try {
      String configured = "";
      if (arguments.config.isPresent()) {
        Config config = OmgConfig.load(arguments.config.map(Path::of));
        TransportSettings transport = TransportSettings.create(config);
        configured = transport.socketPath;
        options = options.withMaxFrameSize(transport.maxFrameSize);
      }
      socket = SocketPaths.resolve(arguments.socket, env, configured);
    } catch (SettingsException e) {
      err.println("omg-engine: configuration error: " + e.getMessage());
      return Main.FAILED;
    }
    if (arguments.timeoutSeconds.isPresent()) {
      options = options.withCallTimeout(Duration.ofMillis((long) (arguments.timeoutSeconds.get() * 1000)));
    }
    if (arguments.command.equals("call") && arguments.positional.isEmpty()) {
      err.println("omg-engine: call needs a COMMAND");
      return Main.USAGE;
    }
    if (!arguments.command.equals("call") && !arguments.positional.isEmpty()) {
      err.println("omg-engine: " + arguments.command + " takes no arguments, got " + arguments.positional);
      return Main.USAGE;
    }
    try (EngineClient client = EngineClient.connect(socket, options)) {
      return switch (arguments.command) {
        case "ping" -> ping(client);
        case "status" -> status(client, socket);
        case "stop" -> stop(client, socket, options.callTimeout());
        default -> call(client);
      };
    } catch (NoEngineException e) {
      err.println("omg-engine: " + e.getMessage() + "; start one with: java -jar omg-engine.jar serve");
      return Main.NOT_RUNNING;
    } catch (EngineException e) {
      String retry = e.status() == Status.OVERLOADED ? gaveUp(e.retryAfterMillis()) : "";
      err.println("omg-engine: " + e.getMessage() + retry);
      return Main.FAILED;
    } catch (IOException | TimeoutException e) {
      err.println("omg-engine: " + e.getMessage());
      return Main.FAILED;
    }
  }

  private static String gaveUp(long retryAfterMillis) {
    return " (gave up after " + RetryPolicy.defaults().maxRetries() + " retries; the engine asked to wait "
        + retryAfterMillis + " ms)";
  }

  private int ping(EngineClient client) throws IOException, TimeoutException {
    long start = System.nanoTime();
    Response reply = client.call("ping", null);
    long micros = (System.nanoTime() - start) / 1000;
    if (!reply.isOk()) {
      return failed(reply);
    }
    out.printf("%s in %d.%03d ms%n", reply.payload(), micros / 1000, micros % 1000);
    return Main.OK;
  }

  private int status(EngineClient client, Path socket) throws IOException, TimeoutException {
    Response reply = client.call("status", null);
    if (!reply.isOk()) {
      return failed(reply);
    }
    if (!(reply.payload() instanceof Map<?, ?> status)) {
      out.println(Render.text(reply.payload()));
      return Main.OK;
    }
    out.printf("omg-engine %s (pid %s) on %s%n", status.get("version"), status.get("pid"), socket);
    out.printf("uptime           %s%n", Render.duration(((Number) status.get("uptime-ms")).longValue()));
    out.printf("connections      %s%n", status.get("connections"));
    out.printf("requests served  %s%n", status.get("requests-served"));
    out.printf("in flight        %s%n", status.get("in-flight"));
    return Main.OK;
  }

  private int stop(EngineClient client, Path socket, Duration timeout) throws IOException, TimeoutException {
    Response reply = client.call("stop", null);
    if (!reply.isOk()) {
      return failed(reply);
    }
    // The engine answers before it drains; it is stopped once it has removed its socket.
    long deadline = System.nanoTime() + timeout.toNanos();
    while (Files.exists(socket)) {
      if (System.nanoTime() > deadline) {
        err.println("omg-engine: asked the engine to stop, but it still runs after " + timeout.toSeconds() + " s");
        return Main.FAILED;
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return Main.FAILED;
      }
    }
    out.println("stopped the engine at " + socket);
    return Main.OK;
  }

  private int call(EngineClient client) throws IOException, TimeoutException {
    String command = arguments.positional.get(0);
    List<String> args = arguments.positional.subList(1, arguments.positional.size());
    Response reply = client.call(command, args.isEmpty() ? null : args);
    if (!reply.isOk()) {
      return failed(reply);
    }
    if (reply.payload() instanceof byte[] bytes) {
      out.write(bytes, 0, bytes.length);
      out.flush();
    } else if (reply.payload() != null) {
      out.println(Render.text(reply.payload()));
    }
    return Main.OK;
  }

  private int failed(Response reply) {
    String retry = reply.status() == Status.OVERLOADED ? gaveUp(reply.retryAfterMillis()) : "";
    err.println("omg-engine: " + reply.status() + ": " + reply.error() + retry);
    return Main.FAILED;
  }
}
