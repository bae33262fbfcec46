package dev.omg.engine;

import dev.omg.client.internal.LogTail;
import dev.omg.client.EngineClient;
import dev.omg.client.EngineException;
import dev.omg.client.NoEngineException;
import dev.omg.client.PermissionDeniedException;
import dev.omg.config.SettingsException;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.transport.SocketAccess;
import dev.omg.transport.SocketDirectory;
import dev.omg.transport.SocketFiles;
import dev.omg.transport.SocketPaths;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * {@code doctor}: looks at everything between a client and its engine and says what is wrong and how to fix it:
 * the socket path's length, the directory's owner and mode, the group it is shared with, stale lock and socket files,
 * whether an engine answers and which version it is, and the end of the engine's log. It changes nothing: it takes no
 * lock (it reads the kernel's lock table instead) and removes no file. Pekko-free, like every client command.
 */
final class Doctor {
  /** How many lines of the engine's log are shown. */
  static final int LOG_LINES = 20;
  private static final Set<PosixFilePermission> OWNER_READ_WRITE = PosixFilePermissions.fromString("rw-------");
  private static final PosixFilePermission GROUP_EXECUTE = PosixFilePermission.GROUP_EXECUTE;

  enum Level {
    OK("ok"), NOTE("note"), WARN("warn"), FAIL("FAIL");

    final String tag;

    Level(String tag) {
      this.tag = tag;
    }

    boolean isProblem() {
      return this == WARN || this == FAIL;
    }
  }

  /** One thing the doctor found; a problem comes with its fix. */
  record Finding(Level level, String subject, String text, Optional<String> fix) {
    static Finding ok(String subject, String text) {
      return new Finding(Level.OK, subject, text, Optional.empty());
    }

    static Finding note(String subject, String text, String hint) {
      return new Finding(Level.NOTE, subject, text, Optional.ofNullable(hint));
    }

    static Finding problem(Level level, String subject, String text, String fix) {
      return new Finding(level, subject, text, Optional.of(fix));
    }
  }

  private final ClientCommands.Setup setup;
  private final List<Finding> findings = new ArrayList<>();

  private Doctor(ClientCommands.Setup setup) {
    this.setup = setup;
  }

  static int run(Cli.Arguments arguments, Map<String, String> env, PrintStream out, PrintStream err) {
    ClientCommands.Setup setup;
    try {
      setup = ClientCommands.setup(arguments, env);
    } catch (SettingsException e) {
      err.println("omg-engine: configuration error: " + e.getMessage());
      return Cli.FAILED;
    }
    Doctor doctor = new Doctor(setup);
    doctor.examine();
    out.println("omg-engine doctor: the engine at " + setup.socket());
    for (Finding finding : doctor.findings) {
      out.printf("%-5s %-9s %s%n", finding.level().tag, finding.subject(), finding.text());
      finding.fix().ifPresent(fix -> out.printf("%-15s %s%n", "", "fix: " + fix));
    }
    Path log = setup.settings().engineLogFor(setup.socket());
    if (Files.isRegularFile(log)) {
      out.println("--- the last " + LOG_LINES + " lines of " + log + " ---");
      String tail = LogTail.of(log, LOG_LINES);
      if (!tail.isEmpty()) {
        out.println(tail);
      }
      out.println("---");
    }
    long problems = doctor.findings.stream().filter(f -> f.level().isProblem()).count();
    out.println(problems == 0 ? "no problems found" : problems + (problems == 1 ? " problem" : " problems")
        + " found");
    return problems == 0 ? Cli.OK : Cli.FAILED;
  }

  private void examine() {
    Path socket = setup.socket();
    checkPathLength(socket);
    Path directory = socket.getParent();
    boolean lookInside = checkDirectory(directory);
    if (Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
      try {
        checkGroup(socket);
      } catch (IOException e) {
        findings.add(Finding.problem(Level.FAIL, "group", "cannot examine " + directory + ": " + e,
            "check its permissions: ls -ld " + directory));
      }
    }
    if (!lookInside) {
      return;
    }
    try {
      checkLock(SocketPaths.lockPathFor(socket));
      checkSocketFile(socket);
    } catch (IOException e) {
      findings.add(Finding.problem(Level.FAIL, "files", "cannot examine " + directory + ": " + e,
          "check the directory's permissions: ls -la " + directory));
    }
    checkEngine(socket);
    checkLog(setup.settings().engineLogFor(socket));
  }

  private void checkPathLength(Path socket) {
    int length = SocketPaths.byteLength(socket);
    if (length > SocketPaths.MAX_ENGINE_PATH_BYTES) {
      findings.add(Finding.problem(Level.FAIL, "path", socket + " is " + length + " bytes, over the "
          + SocketPaths.MAX_ENGINE_PATH_BYTES + "-byte limit of an engine's socket (sun_path is "
          + (SocketPaths.MAX_PATH_BYTES + 1) + " bytes with its NUL; the engine binds a hidden name "
          + SocketPaths.BIND_NAME_EXTRA_BYTES + " bytes longer)",
          "choose a shorter path: --socket PATH, OMG_SOCKET or omg.transport.socket-path"));
    } else {
      findings.add(Finding.ok("path", socket + " (" + length + " bytes; the limit is "
          + SocketPaths.MAX_ENGINE_PATH_BYTES + ")"));
    }
  }

  /** Whether the directory exists and can be looked into. */
  private boolean checkDirectory(Path directory) {
    if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
      findings.add(Finding.note("directory", directory + " does not exist yet; serve (or a client with "
          + "--auto-start) creates it 0700", null));
      findings.add(Finding.note("engine", "none running at " + setup.socket(),
          "start one: java -jar omg-engine.jar serve (or pass --auto-start to ping, status or call)"));
      return false;
    }
    try {
      Optional<SocketDirectory.Problem> problem = SocketDirectory.check(directory, setup.settings().access);
      String mode = SocketDirectory.describe(Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS));
      if (problem.isPresent() && sharedByAnother(directory)) {
        // Another user's engine shared with a group: the group finding says whether this user is in it.
        String shared = directory + ": owned by uid " + SocketDirectory.owner(directory) + ", shared with group "
            + SocketAccess.describeGroup(SocketAccess.group(directory)) + ", mode " + mode;
        if (SocketAccess.currentUserIsIn(SocketAccess.group(directory))) {
          findings.add(Finding.ok("directory", shared));
          return true;
        }
        findings.add(Finding.note("directory", shared, null));
        return false;
      }
      if (problem.isPresent()) {
        findings.add(Finding.problem(Level.FAIL, "directory", problem.get().reason(), problem.get().fix()));
        return Files.isDirectory(directory) && Files.isReadable(directory);
      }
      findings.add(Finding.ok("directory", directory + ": owned by you (uid " + SocketPaths.currentUid()
          + "), mode " + mode + ", not a symlink"));
      return true;
    } catch (IOException e) {
      findings.add(Finding.problem(Level.FAIL, "directory", "cannot examine " + directory + ": " + e,
          "check its permissions: ls -ld " + directory));
      return false;
    }
  }

  /** Another user's directory that lets its group, and only its group, search it. */
  private static boolean sharedByAnother(Path directory) throws IOException {
    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS);
    return !Files.isSymbolicLink(directory) && Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)
        && SocketDirectory.owner(directory) != SocketPaths.currentUid() && mode.contains(GROUP_EXECUTE)
        && !mode.contains(PosixFilePermission.OTHERS_EXECUTE);
  }

  /**
   * The group set-up, when there is one: the configured group (omg.security.allowed-gids), or, seen by another user,
   * the group the directory is shared with; the directory's and the socket's group and mode; whether this user is in
   * the group; and the fix when they disagree.
   */
  private void checkGroup(Path socket) throws IOException {
    Path directory = socket.getParent();
    SocketAccess access = setup.settings().access;
    long me = SocketPaths.currentUid();
    boolean mine = SocketDirectory.owner(directory) == me;
    Set<PosixFilePermission> directoryMode = Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS);
    long gid;
    String source;
    if (access.isShared()) {
      gid = access.group().getAsLong();
      source = "configured (omg.security.allowed-gids)";
    } else if (!mine && directoryMode.contains(GROUP_EXECUTE)) {
      gid = SocketAccess.group(directory);
      source = "the directory's (uid " + SocketDirectory.owner(directory) + " shares it)";
    } else {
      return;
    }
    String user = System.getProperty("user.name");
    String name = SocketAccess.groupName(gid).orElse(Long.toString(gid));
    boolean member = SocketAccess.currentUserIsIn(gid);
    String socketFacts = !Files.isExecutable(directory) ? "the socket cannot be seen from here"
        : Files.exists(socket, LinkOption.NOFOLLOW_LINKS)
        ? "socket group " + SocketAccess.describeGroup(SocketAccess.group(socket)) + ", mode "
            + SocketDirectory.describe(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS))
        : "no socket yet";
    String facts = "group " + SocketAccess.describeGroup(gid) + ", " + source + "; directory group "
        + SocketAccess.describeGroup(SocketAccess.group(directory)) + ", mode "
        + SocketDirectory.describe(directoryMode)
        + "; " + socketFacts + "; you (" + user + ", uid " + me + ") are " + (member ? "" : "not ") + "a member";
    String join = "usermod -aG " + name + " " + user + " (as root), then log in again";
    if (mine && !member && me != 0) {
      findings.add(Finding.problem(Level.FAIL, "group", facts + ": serve cannot give the socket that group and "
          + "refuses to start", join));
    } else if (!mine && !member) {
      findings.add(Finding.problem(Level.FAIL, "group", facts + ": the file modes keep you from the socket", join));
    } else if (mine && !directoryMode.equals(access.directoryMode())) {
      findings.add(Finding.problem(Level.WARN, "group", facts + ": the directory is not yet shared, so the "
          + "group's members cannot reach the socket", "restart the engine (it gives the directory group " + name
          + " and mode 0750), or: chgrp " + gid + " " + directory + " && chmod 750 " + directory));
    } else if (mine && closedParent(directory, gid).isPresent()) {
      Path closed = closedParent(directory, gid).get();
      findings.add(Finding.problem(Level.WARN, "group", facts + ": but the group's members cannot pass " + closed
          + " (" + SocketDirectory.describe(Files.getPosixFilePermissions(closed)) + "), a parent of the directory",
          "choose a socket path whose parents others may search, e.g. --socket /tmp/omg-team/engine.sock "
              + "($XDG_RUNTIME_DIR is its user's alone)"));
    } else {
      findings.add(Finding.ok("group", facts));
    }
  }

  /** The first parent of {@code directory} that a member of group {@code gid} (not its owner) may not search. */
  private static Optional<Path> closedParent(Path directory, long gid) {
    for (int depth = 1; depth < directory.getNameCount(); depth++) {
      Path parent = directory.getRoot().resolve(directory.subpath(0, depth));
      try {
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(parent);
        boolean passes = mode.contains(PosixFilePermission.OTHERS_EXECUTE)
            || mode.contains(GROUP_EXECUTE) && SocketAccess.group(parent) == gid;
        if (!passes) {
          return Optional.of(parent);
        }
      } catch (IOException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  private void checkLock(Path lock) throws IOException {
    if (!Files.exists(lock, LinkOption.NOFOLLOW_LINKS)) {
      findings.add(Finding.ok("lock", "no lock file (" + lock.getFileName() + "): no engine owns this socket"));
      return;
    }
    String written = readPid(lock);
    OptionalLong holder;
    try {
      holder = LockTable.holder(lock);
    } catch (IOException e) {
      findings.add(Finding.note("lock", lock + " (pid " + written + " in it); cannot tell whether it is held: "
          + e.getMessage(), null));
      return;
    }
    if (holder.isPresent()) {
      findings.add(Finding.ok("lock", lock + " held by pid " + holder.getAsLong()));
    } else {
      findings.add(Finding.problem(Level.WARN, "lock", lock + " is stale: no process holds it (pid " + written
          + " wrote it and did not stop cleanly)",
          "none needed: the next serve takes it over; or remove it: rm " + lock));
    }
  }

  private void checkSocketFile(Path socket) throws IOException {
    // What serve would refuse to start over (SocketFiles): anything there that is not a socket.
    Path hidden = SocketPaths.bindPathFor(socket);
    if (Files.exists(hidden, LinkOption.NOFOLLOW_LINKS) && !SocketFiles.isSocket(hidden)) {
      SocketDirectory.Problem problem = SocketFiles.whyNotStale(hidden, socket).orElseThrow();
      findings.add(Finding.problem(Level.FAIL, "socket", problem.reason() + "; serve will not start over it",
          problem.fix()));
    }
    if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!SocketFiles.isSocket(socket)) {
      SocketDirectory.Problem problem = SocketFiles.whyNotStale(socket, socket).orElseThrow();
      findings.add(Finding.problem(Level.FAIL, "socket", problem.reason() + "; serve will not start over it",
          problem.fix()));
      return;
    }
    Set<PosixFilePermission> mode = Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS);
    long owner = SocketDirectory.owner(socket);
    long me = SocketPaths.currentUid();
    SocketAccess access = setup.settings().access;
    long group = SocketAccess.group(socket);
    if (owner != me && mode.contains(PosixFilePermission.GROUP_WRITE) && SocketAccess.currentUserIsIn(group)) {
      findings.add(Finding.ok("socket", "mode " + SocketDirectory.describe(mode) + ", owned by uid " + owner
          + ", shared with group " + SocketAccess.describeGroup(group)));
    } else if (owner != me) {
      findings.add(Finding.problem(Level.FAIL, "socket", socket + " is owned by uid " + owner + ", not by you (uid "
          + me + ")", "choose another socket path, or have uid " + owner + " stop its engine"));
    } else if (access.isShared() && (!mode.equals(access.socketMode()) || group != access.group().getAsLong())) {
      findings.add(Finding.problem(Level.WARN, "socket", socket + " has mode " + SocketDirectory.describe(mode)
          + " and group " + SocketAccess.describeGroup(group) + ", not rw-rw---- (0660) and the shared group "
          + SocketAccess.describeGroup(access.group().getAsLong()), "stop and start the engine with this "
          + "configuration (it binds the socket 0660 with the group)"));
    } else if (!access.isShared() && !mode.equals(OWNER_READ_WRITE)) {
      findings.add(Finding.problem(Level.WARN, "socket", socket + " has mode " + SocketDirectory.describe(mode)
          + ", not rw------- (0600)", "stop and start the engine (it binds the socket 0600); or chmod 600 "
          + socket));
    } else if (access.isShared()) {
      findings.add(Finding.ok("socket", "mode " + SocketDirectory.describe(mode) + ", owned by you, group "
          + SocketAccess.describeGroup(group)));
    } else {
      findings.add(Finding.ok("socket", "mode " + SocketDirectory.describe(mode) + ", owned by you"));
    }
  }

  private void checkEngine(Path socket) {
    try (EngineClient client = EngineClient.connect(socket,
        setup.options().withCallTimeout(Duration.ofSeconds(5)))) {
      String agent = client.serverHello().agent();
      int protocol = client.serverHello().protocolVersion();
      Response status = client.call("status", null);
      String details = status.isOk() && status.payload() instanceof Map<?, ?> map
          ? ", pid " + map.get("pid") + ", up " + Render.duration(((Number) map.get("uptime-ms")).longValue())
              + ", " + map.get("connections") + " connection(s)"
          : "";
      findings.add(Finding.ok("engine", agent + " answers (protocol " + protocol + details + ")"));
    } catch (PermissionDeniedException e) {
      findings.add(Finding.problem(Level.FAIL, "engine", e.getMessage(), "see the group finding above; the "
          + "engine's user shares it through omg.security.allowed-gids (docs/security.md)"));
    } catch (NoEngineException e) {
      if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
        findings.add(Finding.problem(Level.WARN, "engine", "nothing listens at " + socket
            + ": a stale socket left by an engine that did not stop cleanly",
            "none needed: the next serve removes it once it holds the lock; or remove it: rm " + socket));
      } else {
        findings.add(Finding.note("engine", "none running at " + socket,
            "start one: java -jar omg-engine.jar serve (or pass --auto-start to ping, status or call)"));
      }
    } catch (EngineException e) {
      if (e.status() == Status.VERSION_MISMATCH) {
        findings.add(Finding.problem(Level.FAIL, "engine", "an engine answers in another protocol version: "
            + e.getMessage(), "stop it (java -jar omg-engine.jar stop works across versions) and start this one"));
      } else if (e.status() == Status.UNAUTHORIZED) {
        findings.add(Finding.problem(Level.FAIL, "engine", "the engine refuses you: " + e.getMessage(),
            "use your own socket path, or have the engine's user share it with a group you are in "
                + "(omg.security.allowed-gids, docs/security.md)"));
      } else {
        findings.add(Finding.problem(Level.FAIL, "engine", "the engine failed the hello: " + e.getMessage(),
            "see the engine's log below; stop and start it"));
      }
    } catch (IOException | TimeoutException e) {
      findings.add(Finding.problem(Level.FAIL, "engine", "cannot talk to the engine: " + e.getMessage(),
          "see the engine's log below; stop and start it"));
    }
  }

  private void checkLog(Path log) {
    if (!Files.isRegularFile(log)) {
      findings.add(Finding.note("log", "no log file at " + log + " (engines started by --auto-start log there; "
          + "serve logs to its stderr)", null));
    }
  }

  private static String readPid(Path lock) {
    try {
      String text = Files.readString(lock, StandardCharsets.US_ASCII).trim();
      return text.isEmpty() ? "unknown" : text;
    } catch (IOException e) {
      return "unknown";
    }
  }
}
