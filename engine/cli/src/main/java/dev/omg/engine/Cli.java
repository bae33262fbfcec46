package dev.omg.engine;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The command line: {@code serve} runs the engine (from the engine jar, {@code Main}); {@code ping},
 * {@code status}, {@code commands}, {@code stop} and {@code call} are clients of a running one (and may start it,
 * see {@code --auto-start}); {@code doctor} checks the socket's surroundings. This class is the main class of the
 * thin CLI jar (omg-cli.jar), which holds the client commands and what they need, no Pekko, so they start fast;
 * the engine jar's {@code Main} runs the same code for them.
 */
public final class Cli {
  /** Runs {@code serve}: the engine jar's, or the thin jar's refusal naming the engine jar. */
  @FunctionalInterface
  public interface ServeCommand {
    int run(Arguments arguments, Map<String, String> env, PrintStream err);
  }

  /** Exit status of a command the engine answered OK. */
  public static final int OK = 0;
  /** The engine answered with an error status, or the connection failed. */
  public static final int FAILED = 1;
  /** The command line was wrong. */
  public static final int USAGE = 2;
  /** No engine is running at the socket path. */
  public static final int NOT_RUNNING = 3;

  static final String USAGE_TEXT = """
      usage: omg-engine <command> [options]

      commands:
        serve [--config FILE]        run the engine in the foreground (logs to stderr; stops on SIGTERM/SIGINT)
        serve --worker --role ROLE   run a worker node: joins the engine's cluster and serves the commands whose
                                     cluster-role is ROLE (--role may repeat); no socket
        ping                         check that the engine answers, and how fast
        status [--json]              the engine's version, uptime, connections and request counters, and per
                                     command: requests, errors, cancelled, in flight, queued, latencies
        commands [--json]            the registered commands with their handler class and payload types
        stop                         ask the engine to drain and exit; waits until it has
        call COMMAND [ARG...]        send COMMAND with the ARGs as a list of strings; print the reply (--json:
                                     as JSON); progress events go to stderr, as a bar on a terminal; Ctrl-C
                                     cancels the request
        doctor                       check the socket path, its directory, stale files and the engine; print
                                     each problem with its fix, and the end of the engine's log
        service install|uninstall|status
                                     run the engine as a systemd user service started by its socket on the
                                     first connection (docs/systemd.md); --unit-dir DIR: only write or remove
                                     the unit files in DIR and print the systemctl commands to run

      options (every command):
        --socket PATH                the engine's socket (default: $OMG_SOCKET, else the configured path,
                                     else $XDG_RUNTIME_DIR/omg/engine.sock, else /tmp/omg-<uid>/engine.sock)
        --config FILE                a HOCON file laid over the defaults
        --timeout SECONDS            client commands: how long the whole command may take, connect, hello,
                                     reply and retries of OVERLOADED included (default 30)
        --auto-start                 ping, status, call: start the engine if none is running, and wait until
                                     it answers (also omg.client.auto-start = on)
        --json                       status, commands, call: print the reply as JSON, for scripts
        --cluster-port N             serve: this node's cluster port (engine default 25520, worker any free)
        --seed HOST:PORT             serve: a cluster node to join, may repeat (default: the engine's address)

      exit status: 0 ok, 1 the engine answered an error or the connection failed (doctor: a problem found),
                   2 usage, 3 no engine running
      """;

  private Cli() {}

  /** The thin jar's entry point: every command but {@code serve}. */
  public static void main(String[] args) {
    System.exit(run(args, System.getenv(), System.out, System.err, Cli::serveNeedsTheEngineJar));
  }

  /** Runs one command line; {@code serve} decides what {@code serve} does in the jar at hand. */
  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err,
      ServeCommand serve) {
    Arguments arguments;
    try {
      arguments = Arguments.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("omg-engine: " + e.getMessage());
      err.print(USAGE_TEXT);
      return USAGE;
    }
    switch (arguments.command) {
      case "help", "--help", "-h" -> {
        out.print(USAGE_TEXT);
        return OK;
      }
      case "serve" -> {
        if (!arguments.positional.isEmpty()) {
          err.println("omg-engine: serve takes no arguments, got " + arguments.positional);
          return USAGE;
        }
        return serve.run(arguments, env, err);
      }
      case "ping", "status", "commands", "stop", "call" -> {
        return new ClientCommands(arguments, env, out, err).run();
      }
      case "service" -> {
        return Service.run(arguments, env, out, err);
      }
      case "doctor" -> {
        if (!arguments.positional.isEmpty()) {
          err.println("omg-engine: doctor takes no arguments, got " + arguments.positional);
          return USAGE;
        }
        return Doctor.run(arguments, env, out, err);
      }
      default -> {
        err.println("omg-engine: unknown command '" + arguments.command + "'");
        err.print(USAGE_TEXT);
        return USAGE;
      }
    }
  }

  /** The thin jar holds no engine: it says where {@code serve} is instead of failing on a missing class. */
  static int serveNeedsTheEngineJar(Arguments arguments, Map<String, String> env, PrintStream err) {
    err.println("omg-engine: serve runs from the engine jar, not this client jar: bin/omg serve, or java -jar "
        + "engine/target/omg-engine.jar serve");
    return USAGE;
  }

  /** The parsed command line: a command, its options, and what is left. */
  public static final class Arguments {
    final String command;
    final Optional<String> socket;
    final Optional<String> config;
    final Optional<Double> timeoutSeconds;
    final boolean autoStart;
    final boolean json;
    final List<String> positional;
    /** service: where the unit files go instead of the user's unit directory; then systemctl is not run. */
    final Optional<String> unitDir;
    /** serve: run as a worker node. */
    final boolean worker;
    /** serve --worker: the cluster roles to serve. */
    final List<String> roles;
    /** serve: this node's cluster port. */
    final Optional<Integer> clusterPort;
    /** serve: the cluster nodes to join, HOST:PORT. */
    final List<String> seeds;

    private Arguments(String command, Optional<String> socket, Optional<String> config,
        Optional<Double> timeoutSeconds, boolean autoStart, boolean json, List<String> positional,
        Optional<String> unitDir, boolean worker, List<String> roles, Optional<Integer> clusterPort,
        List<String> seeds) {
      this.command = command;
      this.socket = socket;
      this.config = config;
      this.timeoutSeconds = timeoutSeconds;
      this.autoStart = autoStart;
      this.json = json;
      this.positional = positional;
      this.unitDir = unitDir;
      this.worker = worker;
      this.roles = roles;
      this.clusterPort = clusterPort;
      this.seeds = seeds;
    }

    static Arguments parse(String[] args) {
      if (args.length == 0) {
        throw new IllegalArgumentException("no command given");
      }
      String command = args[0];
      String socket = null;
      String config = null;
      String unitDir = null;
      Double timeout = null;
      boolean autoStart = false;
      boolean json = false;
      boolean worker = false;
      List<String> roles = new ArrayList<>();
      Integer clusterPort = null;
      List<String> seeds = new ArrayList<>();
      List<String> positional = new ArrayList<>();
      boolean optionsEnded = false;
      for (int i = 1; i < args.length; i++) {
        String arg = args[i];
        // Options may stand anywhere; after a bare `--` everything is an argument (e.g. call echo -- --x).
        if (optionsEnded || !arg.startsWith("--")) {
          positional.add(arg);
          continue;
        }
        if (arg.equals("--")) {
          optionsEnded = true;
          continue;
        }
        if (arg.equals("--auto-start")) {
          autoStart = true;
          continue;
        }
        if (arg.equals("--json")) {
          json = true;
          continue;
        }
        if (arg.equals("--worker")) {
          worker = true;
          continue;
        }
        String name = arg;
        String value;
        int eq = arg.indexOf('=');
        if (eq > 0) {
          name = arg.substring(0, eq);
          value = arg.substring(eq + 1);
        } else {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException(arg + " needs a value");
          }
          value = args[++i];
        }
        switch (name) {
          case "--socket" -> socket = value;
          case "--config" -> config = value;
          case "--unit-dir" -> unitDir = value;
          case "--role" -> roles.add(value);
          case "--seed" -> seeds.add(value);
          case "--cluster-port" -> {
            try {
              clusterPort = Integer.parseInt(value);
            } catch (NumberFormatException e) {
              clusterPort = -1;
            }
            if (clusterPort < 0 || clusterPort > 65535) {
              throw new IllegalArgumentException("--cluster-port takes a port, 0 to 65535, got '" + value + "'");
            }
          }
          case "--timeout" -> {
            try {
              timeout = Double.parseDouble(value);
            } catch (NumberFormatException e) {
              throw new IllegalArgumentException("--timeout takes seconds, got '" + value + "'");
            }
            if (!(timeout > 0)) {
              throw new IllegalArgumentException("--timeout must be positive, got " + value);
            }
          }
          default -> throw new IllegalArgumentException("unknown option " + name);
        }
      }
      if (worker != !roles.isEmpty()) {
        throw new IllegalArgumentException(worker ? "--worker needs at least one --role ROLE"
            : "--role is for serve --worker");
      }
      if ((worker || clusterPort != null || !seeds.isEmpty()) && !command.equals("serve")) {
        throw new IllegalArgumentException("--worker, --role, --cluster-port and --seed are for serve");
      }
      return new Arguments(command, Optional.ofNullable(socket), Optional.ofNullable(config),
          Optional.ofNullable(timeout), autoStart, json, List.copyOf(positional), Optional.ofNullable(unitDir),
          worker, List.copyOf(roles), Optional.ofNullable(clusterPort), List.copyOf(seeds));
    }
  }
}
