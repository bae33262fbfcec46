package dev.omg.engine;

import dev.omg.client.internal.EngineJvmOptions;
import dev.omg.config.SettingsException;
import dev.omg.transport.SocketAccess;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * {@code service install|uninstall|status}: the engine as a systemd user service started on demand by its socket
 * (socket activation; docs/systemd.md). install writes {@value #SOCKET_UNIT} and {@value #SERVICE_UNIT} into the
 * user's unit directory and enables the socket; where no systemd user manager answers it says so and changes
 * nothing. {@code --unit-dir DIR} only writes (or removes) the files in DIR and prints the systemctl commands
 * instead of running them. Only files carrying {@link #MARKER} are ever overwritten or removed. Pekko-free, like
 * every client command.
 */
final class Service {
  static final String SOCKET_UNIT = "omg-engine.socket";
  static final String SERVICE_UNIT = "omg-engine.service";
  /** The first line of every unit file this command writes; a file without it is the user's and left alone. */
  static final String MARKER = "# Written by `omg service install`; `omg service uninstall` removes it. Edit a copy "
      + "under another name, not this file.";
  /** How long one systemctl run may take. */
  private static final long SYSTEMCTL_TIMEOUT_SECONDS = 30;

  private final Cli.Arguments arguments;
  private final Map<String, String> env;
  private final PrintStream out;
  private final PrintStream err;

  private Service(Cli.Arguments arguments, Map<String, String> env, PrintStream out, PrintStream err) {
    this.arguments = arguments;
    this.env = env;
    this.out = out;
    this.err = err;
  }

  static int run(Cli.Arguments arguments, Map<String, String> env, PrintStream out, PrintStream err) {
    if (arguments.positional.size() != 1
        || !List.of("install", "uninstall", "status").contains(arguments.positional.get(0))) {
      err.println("omg-engine: service needs one of install, uninstall, status; got " + arguments.positional);
      return Cli.USAGE;
    }
    Service service = new Service(arguments, env, out, err);
    try {
      return switch (arguments.positional.get(0)) {
        case "install" -> service.install();
        case "uninstall" -> service.uninstall();
        default -> service.status();
      };
    } catch (SettingsException e) {
      err.println("omg-engine: configuration error: " + e.getMessage());
      return Cli.FAILED;
    } catch (IOException e) {
      err.println("omg-engine: service " + arguments.positional.get(0) + ": " + e.getMessage());
      return Cli.FAILED;
    }
  }

  // ---- install ----

  private int install() throws IOException {
    ClientCommands.Setup setup = ClientCommands.setup(arguments, env);
    Path socket = setup.socket();
    SocketAccess access = setup.settings().access;
    String engine = engineCommand(socket);
    Path directory = unitDirectory();
    if (access.isShared() && listenStream(socket, env).startsWith("%t/")) {
      err.println("omg-engine: service install: the engine is shared with group "
          + SocketAccess.describeGroup(access.group().getAsLong()) + " (omg.security.allowed-gids), but its socket "
          + socket + " is under $XDG_RUNTIME_DIR, which only you can enter; nothing was changed: give --socket a "
          + "path in a directory of that group");
      return Cli.FAILED;
    }
    Optional<String> noSystemd = Optional.empty();
    if (arguments.unitDir.isEmpty()) {
      noSystemd = whySystemdIsUnreachable();
      if (noSystemd.isPresent()) {
        err.println("omg-engine: service install: " + noSystemd.get() + "; nothing was changed (--unit-dir DIR "
            + "writes the unit files without systemd; auto-start needs none)");
        return Cli.FAILED;
      }
    }
    for (String unit : List.of(SOCKET_UNIT, SERVICE_UNIT)) {
      Path file = directory.resolve(unit);
      if (Files.exists(file) && !ours(file)) {
        err.println("omg-engine: service install: " + file + " exists and was not written by omg service install; "
            + "nothing was changed: move it away first");
        return Cli.FAILED;
      }
    }
    Files.createDirectories(directory);
    write(directory.resolve(SOCKET_UNIT), socketUnit(listenStream(socket, env), access));
    write(directory.resolve(SERVICE_UNIT), serviceUnit(engine));
    if (access.isShared() && !Files.isDirectory(socket.getParent())) {
      long gid = access.group().getAsLong();
      // systemd would create it 0750 but with the user's primary group, which the engine refuses.
      out.println("create " + socket.getParent() + " before the socket starts: install -d -m 0750 -g "
          + SocketAccess.groupName(gid).orElse(Long.toString(gid)) + " " + socket.getParent());
    }
    List<List<String>> commands = List.of(List.of("daemon-reload"), List.of("enable", "--now", SOCKET_UNIT));
    if (arguments.unitDir.isPresent()) {
      out.println("systemctl was not run (--unit-dir); to use these units, run:");
      if (!directory.equals(defaultUnitDirectory(env))) {
        out.println("  systemctl --user link " + directory.resolve(SOCKET_UNIT) + " "
            + directory.resolve(SERVICE_UNIT));
      }
      commands.forEach(command -> out.println("  " + systemctlLine(command)));
      return Cli.OK;
    }
    for (List<String> command : commands) {
      if (!systemctl(command)) {
        err.println("omg-engine: service install: the unit files stay in " + directory + "; fix the problem above "
            + "and run: " + systemctlLine(command));
        return Cli.FAILED;
      }
    }
    out.println("the engine starts on the first connection to " + socket + "; see it with: systemctl --user status "
        + SERVICE_UNIT + "; its log: journalctl --user -u " + SERVICE_UNIT);
    return Cli.OK;
  }

  private void write(Path file, String text) throws IOException {
    boolean existed = Files.exists(file);
    Files.writeString(file, text, StandardCharsets.UTF_8);
    out.println((existed ? "rewrote " : "wrote ") + file);
  }

  /**
   * The socket unit: the engine's socket path, 0600 in a 0700 directory from the moment it exists (0660 and 0750
   * with the shared group when {@code omg.security.allowed-gids} names one), its descriptor
   * named for the engine, one listening socket passed to one engine (Accept=no), and the file kept when the unit
   * stops, as the engine keeps it.
   */
  static String socketUnit(String listenStream, SocketAccess access) {
    // Shared with a group: the modes and group the engine gives its own socket and directory (SocketAccess).
    String modes = access.group().isPresent()
        ? "SocketMode=0660\nSocketGroup=" + SocketAccess.groupName(access.group().getAsLong())
            .orElse(Long.toString(access.group().getAsLong())) + "\nDirectoryMode=0750\n"
        : "SocketMode=0600\nDirectoryMode=0700\n";
    return MARKER + "\n"
        + "[Unit]\n"
        + "Description=omg-engine socket (the engine starts on the first connection)\n"
        + "\n"
        + "[Socket]\n"
        + "ListenStream=" + listenStream + "\n"
        + modes
        // The name the engine looks for in LISTEN_FDNAMES (InheritedSocket.FD_NAME).
        + "FileDescriptorName=omg-engine\n"
        + "Accept=no\n"
        + "RemoveOnStop=no\n"
        + "\n"
        + "[Install]\n"
        + "WantedBy=sockets.target\n";
  }

  /**
   * The service unit: the engine in the foreground on the socket its socket unit passes; restarted after a
   * failure, but at most 3 times in 60 s, so a broken configuration ends in a failed unit, not a restart loop.
   */
  static String serviceUnit(String execStart) {
    return MARKER + "\n"
        + "[Unit]\n"
        + "Description=omg-engine (socket-activated by " + SOCKET_UNIT + ")\n"
        + "Requires=" + SOCKET_UNIT + "\n"
        + "After=" + SOCKET_UNIT + "\n"
        + "StartLimitIntervalSec=60\n"
        + "StartLimitBurst=3\n"
        + "\n"
        + "[Service]\n"
        + "Type=simple\n"
        + "ExecStart=" + execStart + "\n"
        + "Restart=on-failure\n"
        + "RestartSec=2\n";
  }

  /** ListenStream=: {@code %t} (systemd's $XDG_RUNTIME_DIR) for the default path under it, else the path. */
  static String listenStream(Path socket, Map<String, String> env) {
    String runtime = env.get("XDG_RUNTIME_DIR");
    if (runtime != null && !runtime.isBlank()) {
      Path under = Path.of(runtime).resolve("omg").resolve("engine.sock");
      if (socket.equals(under)) {
        return "%t/omg/engine.sock";
      }
    }
    return socket.toString().replace("%", "%%");
  }

  /**
   * ExecStart=: this JVM, the options auto-start gives an engine ({@link EngineJvmOptions}), the engine jar, and
   * {@code serve} on the socket unit's path with the {@code --config} file given here, if any.
   */
  private String engineCommand(Path socket) throws IOException {
    int feature = Runtime.version().feature();
    List<String> words = new ArrayList<>();
    words.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    words.addAll(EngineJvmOptions.forEngine(env, feature));
    List<String> classpath = engineClasspath();
    if (classpath.size() == 1 && classpath.get(0).endsWith(".jar")) {
      words.addAll(EngineJvmOptions.archive(Path.of(classpath.get(0)), feature));
      words.addAll(List.of("-jar", classpath.get(0)));
    } else {
      words.addAll(List.of("-cp", String.join(File.pathSeparator, classpath), ClientCommands.ENGINE_MAIN));
    }
    words.add("serve");
    List<String> quoted = words.stream().map(Service::quote).collect(Collectors.toCollection(ArrayList::new));
    quoted.add("--socket");
    quoted.add(listenStream(socket, env).startsWith("%t/") ? listenStream(socket, env) : quote(socket.toString()));
    if (arguments.config.isPresent()) {
      quoted.add("--config");
      quoted.add(quote(Path.of(arguments.config.get()).toAbsolutePath().toString()));
    }
    return String.join(" ", quoted);
  }

  /** The engine's classpath: this one when it holds the engine, else the jar bin/omg names. */
  private static List<String> engineClasspath() throws IOException {
    // A resource lookup, not Class.forName: finding the engine must not load it.
    if (Service.class.getClassLoader().getResource(ClientCommands.ENGINE_MAIN.replace('.', '/') + ".class")
        != null) {
      return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
          .map(entry -> Path.of(entry).toAbsolutePath().toString())
          .toList();
    }
    String jar = System.getProperty(ClientCommands.ENGINE_JAR_PROPERTY, "");
    if (jar.isBlank() || !Files.isRegularFile(Path.of(jar))) {
      throw new IOException("the service runs the engine jar, but this client jar holds no engine and "
          + ClientCommands.ENGINE_JAR_PROPERTY + (jar.isBlank() ? " is not set" : " names no file: " + jar)
          + "; run it through bin/omg");
    }
    return List.of(Path.of(jar).toAbsolutePath().toString());
  }

  /** One word of ExecStart=: systemd expands % specifiers and $ variables, and splits at spaces outside quotes. */
  static String quote(String word) {
    String escaped = word.replace("%", "%%").replace("$", "$$");
    if (escaped.chars().anyMatch(c -> Character.isWhitespace(c) || c == '"' || c == '\'' || c == '\\' || c == ';')) {
      return "\"" + escaped.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
    return escaped;
  }

  // ---- uninstall ----

  private int uninstall() throws IOException {
    Path directory = unitDirectory();
    List<Path> ours = new ArrayList<>();
    for (String unit : List.of(SOCKET_UNIT, SERVICE_UNIT)) {
      Path file = directory.resolve(unit);
      if (Files.exists(file)) {
        if (ours(file)) {
          ours.add(file);
        } else {
          out.println("left " + file + " in place: it was not written by omg service install");
        }
      }
    }
    if (ours.isEmpty()) {
      out.println("nothing to uninstall: no unit files of omg service install in " + directory);
      return Cli.OK;
    }
    List<String> disable = List.of("disable", "--now", SOCKET_UNIT, SERVICE_UNIT);
    if (arguments.unitDir.isPresent()) {
      out.println("systemctl was not run (--unit-dir); before removing units systemd uses, run:");
      out.println("  " + systemctlLine(disable));
    } else {
      Optional<String> noSystemd = whySystemdIsUnreachable();
      if (noSystemd.isPresent()) {
        err.println("omg-engine: service uninstall: " + noSystemd.get() + "; nothing was changed (--unit-dir "
            + directory + " removes the files without systemd)");
        return Cli.FAILED;
      }
      if (!systemctl(disable)) {
        err.println("omg-engine: service uninstall: the unit files stay in " + directory + "; fix the problem "
            + "above and run it again");
        return Cli.FAILED;
      }
    }
    for (Path file : ours) {
      Files.delete(file);
      out.println("removed " + file);
    }
    if (arguments.unitDir.isPresent()) {
      out.println("then: " + systemctlLine(List.of("daemon-reload")));
      return Cli.OK;
    }
    return systemctl(List.of("daemon-reload")) ? Cli.OK : Cli.FAILED;
  }

  // ---- status ----

  private int status() throws IOException {
    Path directory = unitDirectory();
    out.println("unit directory: " + directory);
    for (String unit : List.of(SOCKET_UNIT, SERVICE_UNIT)) {
      Path file = directory.resolve(unit);
      if (!Files.exists(file)) {
        out.println("  " + unit + ": not installed");
      } else if (!ours(file)) {
        out.println("  " + unit + ": present, not written by omg service install");
      } else {
        String key = unit.equals(SOCKET_UNIT) ? "ListenStream=" : "ExecStart=";
        String line = Files.readAllLines(file, StandardCharsets.UTF_8).stream()
            .filter(l -> l.startsWith(key)).findFirst().orElse(key + "(missing)");
        out.println("  " + unit + ": installed; " + line);
      }
    }
    if (arguments.unitDir.isPresent()) {
      return Cli.OK;
    }
    Optional<String> noSystemd = whySystemdIsUnreachable();
    if (noSystemd.isPresent()) {
      out.println("systemd: " + noSystemd.get());
      return Cli.OK;
    }
    out.println("systemd: " + systemctlLine(List.of("status", "--no-pager", SOCKET_UNIT, SERVICE_UNIT)) + ":");
    // systemctl status exits 3 for an inactive unit: its output is the answer either way.
    out.print(run(List.of("status", "--no-pager", SOCKET_UNIT, SERVICE_UNIT)).output());
    return Cli.OK;
  }

  // ---- files and systemctl ----

  private Path unitDirectory() {
    return arguments.unitDir.map(dir -> Path.of(dir).toAbsolutePath()).orElseGet(() -> defaultUnitDirectory(env));
  }

  /** $XDG_CONFIG_HOME/systemd/user, else ~/.config/systemd/user: where systemd looks for a user's own units. */
  static Path defaultUnitDirectory(Map<String, String> env) {
    String config = env.get("XDG_CONFIG_HOME");
    Path base = config != null && !config.isBlank() ? Path.of(config)
        : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".config");
    return base.resolve("systemd").resolve("user").toAbsolutePath();
  }

  private static boolean ours(Path file) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    return !lines.isEmpty() && lines.get(0).equals(MARKER);
  }

  /** Why there is no systemd user manager to talk to, or empty when {@code systemctl --user} reaches one. */
  private Optional<String> whySystemdIsUnreachable() {
    if (systemctlPath().isEmpty()) {
      return Optional.of("systemd is not available (no systemctl on PATH)");
    }
    Result result = run(List.of("show-environment"));
    if (result.exit() != 0) {
      String said = result.output().strip().lines().findFirst().orElse("exit status " + result.exit());
      return Optional.of("no systemd user manager answers (systemctl --user: " + said + ")");
    }
    return Optional.empty();
  }

  private Optional<Path> systemctlPath() {
    String path = env.getOrDefault("PATH", "");
    for (String directory : path.split(File.pathSeparator)) {
      if (!directory.isEmpty() && Files.isExecutable(Path.of(directory, "systemctl"))) {
        return Optional.of(Path.of(directory, "systemctl"));
      }
    }
    return Optional.empty();
  }

  /** Runs {@code systemctl --user ARGS}, printing what it ran and, on failure, what it said. */
  private boolean systemctl(List<String> args) {
    Result result = run(args);
    if (result.exit() != 0) {
      err.println("omg-engine: " + systemctlLine(args) + " failed (exit status " + result.exit() + "): "
          + result.output().strip());
      return false;
    }
    out.println("ran " + systemctlLine(args));
    return true;
  }

  private record Result(int exit, String output) {}

  private Result run(List<String> args) {
    List<String> command = new ArrayList<>();
    command.add(systemctlPath().orElseThrow().toString());
    command.add("--user");
    command.addAll(args);
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      // The environment this command was given: systemctl finds the user's manager through it.
      builder.environment().clear();
      builder.environment().putAll(env);
      Process process = builder.start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(SYSTEMCTL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Result(-1, "did not finish within " + SYSTEMCTL_TIMEOUT_SECONDS + " s");
      }
      return new Result(process.exitValue(), output);
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }

  private static String systemctlLine(List<String> args) {
    return "systemctl --user " + String.join(" ", args);
  }
}
