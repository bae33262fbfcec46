package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.omg.transport.SocketAccess;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine started the way systemd starts a socket-activated service: the listening socket is bound by someone
 * else and passed as fd 3 with LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES. Two launchers do the passing: Debian's
 * {@code systemd-socket-activate} where installed, and activate.py (test resources), a stand-in that runs on any
 * machine with python3 and, like systemd, can keep the socket listening between two engines.
 */
class SocketActivationSystemTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final Path SYSTEMD_SOCKET_ACTIVATE = Path.of("/usr/bin/systemd-socket-activate");

  @TempDir
  Path dir;
  private Process launcher;
  private Path config;

  @AfterEach
  void stopTheLauncher() throws InterruptedException {
    // activate.py's engines die with it (PR_SET_PDEATHSIG); systemd-socket-activate became the engine.
    if (launcher != null && launcher.isAlive()) {
      launcher.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private Path socket() {
    return dir.resolve("run").resolve("engine.sock");
  }

  private Path log() {
    return dir.resolve("engine.log");
  }

  /** The engine's command: {@code java ... -jar omg-engine.jar serve --socket SOCKET}, with a config if any. */
  private List<String> engine() {
    List<String> command = new ArrayList<>(List.of(EngineProcess.java()));
    command.addAll(EngineProcess.serveOptions(Runtime.version().feature()));
    command.addAll(List.of("-Xmx256m", "-jar", EngineProcess.jar().toString(), "serve", "--socket",
        socket().toString()));
    if (config != null) {
      command.addAll(List.of("--config", config.toString()));
    }
    return command;
  }

  /** Has the engine run with {@code omg.security.allowed-gids = [gids]}. */
  private void allowGids(String gids) throws IOException {
    config = Files.writeString(dir.resolve("engine.conf"), "omg.security.allowed-gids = [" + gids + "]\n");
  }

  private static long myGid() throws IOException {
    Path probe = Files.createTempFile("gid", "");
    try {
      return ((Number) Files.getAttribute(probe, "unix:gid")).longValue();
    } finally {
      Files.delete(probe);
    }
  }

  /** Runs activate.py with {@code options} before the engine's command; its output and the engine's: the log. */
  private Process activate(String... options) throws IOException, URISyntaxException {
    Path script = Path.of(SocketActivationSystemTest.class.getResource("/activate.py").toURI());
    List<String> command = new ArrayList<>(List.of("python3", script.toString()));
    command.addAll(Arrays.asList(options));
    command.add("--");
    command.addAll(engine());
    return start(command);
  }

  private Process start(List<String> command) throws IOException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log().toFile());
    builder.environment().remove("OMG_SOCKET");
    builder.environment().keySet().removeIf(name -> name.startsWith("LISTEN_"));
    launcher = builder.start();
    return launcher;
  }

  private String logText() throws IOException {
    return Files.exists(log()) ? Files.readString(log(), StandardCharsets.UTF_8) : "";
  }

  private String awaitLog(String text) throws Exception {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      String log = logText();
      if (log.contains(text)) {
        return log;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no '" + text + "' in the log within " + TIMEOUT.toSeconds() + " s:\n" + logText());
  }

  private int awaitExit(Process process) throws Exception {
    assertTrue(process.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS), "still running:\n" + logText());
    return process.exitValue();
  }

  private Object inode(Path file) throws IOException {
    return Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS);
  }

  private String served() {
    return "serving the socket inherited from the service manager: fd 3 (omg-engine), listening at " + socket();
  }

  @Test
  void servesAnInheritedSocketAndLeavesItListeningForTheNextEngine() throws Exception {
    Process activated = activate("--bind", socket().toString(), "--runs", "2");
    awaitLog("listening on " + socket());
    Object bound = inode(socket());
    String where = socket().toString();

    Cli.Result ping = Cli.run("ping", "--socket", where);
    assertEquals(0, ping.exitCode(), ping.stderr());
    assertTrue(ping.stdout().startsWith("pong omg-engine/"), ping.stdout());
    Cli.Result status = Cli.run("status", "--socket", where);
    assertEquals(0, status.exitCode(), status.stderr());
    assertEquals(new Cli.Result(0, "inherited\n", ""), Cli.run("call", "echo", "inherited", "--socket", where));
    assertTrue(logText().contains(served()), logText());

    assertEquals(new Cli.Result(0, "stopped the engine at " + where + "\n", ""), Cli.run("stop", "--socket", where));
    awaitLog("activate.py: run ended with status 0");
    assertTrue(logText().contains("stopped; left " + where + " in place: the service manager's socket"), logText());
    assertTrue(Files.exists(socket(), LinkOption.NOFOLLOW_LINKS), "the socket file stays");
    assertEquals(bound, inode(socket()), "the same socket file");
    assertFalse(Files.exists(socket().resolveSibling("engine.lock")), "the lock is released and removed");

    // The socket still listens: this connect waits in its backlog until the next engine starts and answers.
    Cli.Result again = Cli.run("call", "echo", "again", "--socket", where);
    assertEquals(new Cli.Result(0, "again\n", ""), again);
    assertEquals(2, logText().split(java.util.regex.Pattern.quote(served()), -1).length - 1, logText());
    assertEquals(new Cli.Result(0, "stopped the engine at " + where + "\n", ""), Cli.run("stop", "--socket", where));
    assertEquals(0, awaitExit(activated), logText());
    assertEquals(bound, inode(socket()), "still the service manager's socket file");
  }

  @Test
  void systemdSocketActivateStartsTheEngineOnTheFirstConnection() throws Exception {
    if (!Files.isExecutable(SYSTEMD_SOCKET_ACTIVATE)) {
      System.out.println("SocketActivationSystemTest: skipped the systemd-socket-activate case: "
          + SYSTEMD_SOCKET_ACTIVATE + " is not installed (Debian package systemd)");
      assumeTrue(false, SYSTEMD_SOCKET_ACTIVATE + " is not installed");
    }
    Files.createDirectory(dir.resolve("run"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwx------")));
    List<String> command = new ArrayList<>(List.of(SYSTEMD_SOCKET_ACTIVATE.toString(), "--listen=" + socket(),
        "--fdname=omg-engine"));
    command.addAll(engine());
    Process activated = start(command);
    awaitLog("Listening on " + socket() + " as 3.");
    // systemd-socket-activate has no SocketMode=; set the mode systemd would before any client connects.
    Files.setPosixFilePermissions(socket(), PosixFilePermissions.fromString("rw-------"));
    String where = socket().toString();

    Cli.Result ping = Cli.run("ping", "--socket", where);
    assertEquals(0, ping.exitCode(), ping.stderr() + logText());
    String log = logText();
    assertTrue(log.indexOf("Communication attempt on fd 3.") < log.indexOf(served()), log);
    assertEquals(0, Cli.run("status", "--socket", where).exitCode());
    assertEquals(new Cli.Result(0, "hi\n", ""), Cli.run("call", "echo", "hi", "--socket", where));
    assertEquals(new Cli.Result(0, "stopped the engine at " + where + "\n", ""), Cli.run("stop", "--socket", where));
    assertEquals(0, awaitExit(activated), logText());
    assertTrue(Files.exists(socket(), LinkOption.NOFOLLOW_LINKS), "the socket file stays");
  }

  @Test
  void theInstalledServiceUnitStartsAnEngineOnItsSocketUnitsSocket() throws Exception {
    // bin/omg service install --unit-dir writes the units; the stand-in then does what systemd would with them.
    Path runtime = Files.createDirectory(dir.resolve("rt"));
    Path units = dir.resolve("units");
    Path omg = Path.of("../bin/omg").toAbsolutePath().normalize();
    ProcessBuilder install = new ProcessBuilder(omg.toString(), "service", "install", "--unit-dir", units.toString())
        .redirectErrorStream(true).redirectOutput(dir.resolve("install.txt").toFile());
    install.environment().keySet().removeIf(name -> name.startsWith("OMG_") || name.startsWith("LISTEN_"));
    install.environment().put("JAVA_HOME", System.getProperty("java.home"));
    install.environment().put("XDG_RUNTIME_DIR", runtime.toString());
    Process installing = install.start();
    assertTrue(installing.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS));
    assertEquals(0, installing.exitValue(), Files.readString(dir.resolve("install.txt")));

    List<String> socketUnit = Files.readAllLines(units.resolve("omg-engine.socket"));
    List<String> serviceUnit = Files.readAllLines(units.resolve("omg-engine.service"));
    assertTrue(socketUnit.contains("ListenStream=%t/omg/engine.sock"), socketUnit.toString());
    String execStart = serviceUnit.stream().filter(line -> line.startsWith("ExecStart=")).findFirst().orElseThrow()
        .substring("ExecStart=".length());
    assumeTrue(!execStart.contains("\"") && !execStart.contains("%%"), "a checkout path systemd must quote");
    Path listen = runtime.resolve("omg").resolve("engine.sock");
    List<String> command = new ArrayList<>(List.of("python3",
        Path.of(SocketActivationSystemTest.class.getResource("/activate.py").toURI()).toString(),
        "--bind", listen.toString(), "--"));
    command.addAll(Arrays.asList(execStart.replace("%t", runtime.toString()).split(" ")));
    Process activated = start(command);
    awaitLog("serving the socket inherited from the service manager: fd 3 (omg-engine), listening at " + listen);
    awaitLog("listening on " + listen);
    assertEquals(new Cli.Result(0, "unit\n", ""), Cli.run("call", "echo", "unit", "--socket", listen.toString()));
    assertEquals(0, Cli.run("stop", "--socket", listen.toString()).exitCode());
    assertEquals(0, awaitExit(activated), logText());
  }

  @Test
  void sigtermDrainsAnActivatedEngineAndLeavesTheSocketInPlace() throws Exception {
    // systemd stops a service with SIGTERM; activate.py execs the engine, so the launcher's pid is the engine's.
    Process activated = activate("--bind", socket().toString());
    awaitLog("listening on " + socket());
    assertEquals(0, Cli.run("ping", "--socket", socket().toString()).exitCode());
    activated.destroy();
    assertEquals(0, awaitExit(activated), logText());
    assertTrue(logText().contains("received SIGTERM"), logText());
    assertTrue(logText().contains("stopped; left " + socket() + " in place: the service manager's socket"),
        logText());
    assertTrue(Files.exists(socket(), LinkOption.NOFOLLOW_LINKS), "the socket file stays");
  }

  @Test
  void refusesAnInheritedSocketOthersCouldOpen() throws Exception {
    Process activated = activate("--bind", socket().toString(), "--mode", "0666");
    assertEquals(1, awaitExit(activated), logText());
    assertTrue(logText().contains("omg-engine: socket activation: the socket " + socket() + " has mode 0666; an "
        + "inherited socket must be 0600 (SocketMode=0600)\n"), logText());
    assertTrue(Files.exists(socket()), "the socket file is not the engine's to remove");
  }

  @Test
  void refusesAGroupWritableSocketWhenNoGroupIsAllowed() throws Exception {
    Process activated = activate("--bind", socket().toString(), "--mode", "0660");
    assertEquals(1, awaitExit(activated), logText());
    assertTrue(logText().contains("omg-engine: socket activation: the socket " + socket() + " has mode 0660; an "
        + "inherited socket must be 0600 (SocketMode=0600)\n"), logText());
  }

  @Test
  void servesAGroupWritableSocketOfTheSharedGroup() throws Exception {
    long gid = myGid();
    allowGids(Long.toString(gid));
    activate("--bind", socket().toString(), "--mode", "0660", "--dir-mode", "0750");
    awaitLog("listening on " + socket());
    assertEquals(gid, ((Number) Files.getAttribute(socket(), "unix:gid", LinkOption.NOFOLLOW_LINKS)).longValue());
    assertEquals(new Cli.Result(0, "shared\n", ""), Cli.run("call", "echo", "shared", "--socket",
        socket().toString()));
    assertTrue(logText().contains(served()), logText());
  }

  @Test
  void refusesAnOwnerOnlySocketWhenTheEngineIsShared() throws Exception {
    long gid = myGid();
    allowGids(Long.toString(gid));
    Process activated = activate("--bind", socket().toString(), "--mode", "0600", "--dir-mode", "0750");
    assertEquals(1, awaitExit(activated), logText());
    String group = SocketAccess.describeGroup(gid);
    assertTrue(logText().contains("omg-engine: socket activation: the socket " + socket() + " has mode 0600 and "
        + "group " + group + "; with omg.security.allowed-gids = [" + gid + "] an inherited socket must be 0660 "
        + "with group " + group + " (SocketMode=0660, SocketGroup=" + SocketAccess.groupName(gid).orElse("" + gid)
        + ")\n"), logText());
  }

  @Test
  void refusesAGroupWritableSocketOfAnotherGroup() throws Exception {
    long me = new com.sun.security.auth.module.UnixSystem().getUid();
    assumeTrue(me == 0, "giving a file to a group one is not in needs root");
    long gid = myGid();
    allowGids(Long.toString(gid));
    Process activated = activate("--bind", socket().toString(), "--mode", "0660", "--dir-mode", "0750", "--group",
        "65534");
    assertEquals(1, awaitExit(activated), logText());
    assertTrue(logText().contains("omg-engine: socket activation: the socket " + socket() + " has mode 0660 and "
        + "group " + SocketAccess.describeGroup(65534) + "; with omg.security.allowed-gids = [" + gid + "] an "
        + "inherited socket must be 0660 with group " + SocketAccess.describeGroup(gid)), logText());
  }

  @Test
  void refusesASocketOwnedByAnotherUser() throws Exception {
    long me = new com.sun.security.auth.module.UnixSystem().getUid();
    assumeTrue(me == 0, "giving a file to another uid needs root");
    Process activated = activate("--bind", socket().toString(), "--owner", "65534");
    assertEquals(1, awaitExit(activated), logText());
    assertTrue(logText().contains("omg-engine: socket activation: the socket " + socket() + " is owned by uid "
        + "65534, not by this engine's user (uid 0); run the socket unit as the engine's user (a systemd user "
        + "unit)\n"), logText());
  }

  @Test
  void refusesADatagramSocket() throws Exception {
    Process activated = activate("--bind", socket().toString(), "--pass", "datagram");
    assertEquals(1, awaitExit(activated), logText());
    assertTrue(logText().contains("omg-engine: socket activation: inherited fd 3 (omg-engine) is a Unix datagram "
        + "socket, not a stream socket; use ListenStream= in the .socket unit\n"), logText());
  }

  @Test
  void refusesASocketBoundAtAnotherPath() throws Exception {
    Path other = dir.resolve("run").resolve("other.sock");
    Process activated = activate("--bind", other.toString());
    assertEquals(1, awaitExit(activated), logText());
    assertTrue(logText().contains("omg-engine: socket activation: inherited fd 3 (omg-engine) is bound at " + other
        + ", not at the configured socket path " + socket() + "; make ListenStream= and the engine's socket path "
        + "(--socket, OMG_SOCKET or omg.transport.socket-path) the same\n"), logText());
    assertFalse(Files.exists(socket()), "the engine bound nothing of its own");
  }

  @Test
  void refusesAPipeOnFd3() throws Exception {
    Process activated = activate("--bind", socket().toString(), "--pass", "pipe");
    assertEquals(1, awaitExit(activated), logText());
    assertTrue(logText().contains("omg-engine: socket activation: inherited fd 3 (omg-engine) is not a socket but "
        + "a pipe; the service manager must pass a listening Unix stream socket (ListenStream= in the .socket "
        + "unit)\n"), logText());
  }

  @Test
  void refusesARegularFileOnFd3() throws Exception {
    Process activated = activate("--bind", socket().toString(), "--pass", "file");
    assertEquals(1, awaitExit(activated), logText());
    assertTrue(logText().contains("omg-engine: socket activation: inherited fd 3 (omg-engine) is not a socket but "
        + "the file " + dir.resolve("run").resolve("not-a-socket") + "; the service manager must pass a listening "
        + "Unix stream socket (ListenStream= in the .socket unit)\n"), logText());
  }

  @Test
  void refusesASocketThatDoesNotListen() throws Exception {
    Process activated = activate("--bind", socket().toString(), "--pass", "unlistened");
    assertEquals(1, awaitExit(activated), logText());
    assertTrue(logText().contains("omg-engine: socket activation: inherited fd 3 (omg-engine) is a Unix stream "
        + "socket that does not listen; pass the listening socket (Accept=no in the .socket unit)\n"), logText());
  }

  @Test
  void ignoresDescriptorsPassedToAnotherProcessAndBindsItsOwnSocket() throws Exception {
    Path other = dir.resolve("run").resolve("other.sock");
    Process activated = activate("--bind", other.toString(), "--listen-pid", "parent");
    String log = awaitLog("listening on " + socket());
    // activate.py execs the engine, so the engine's pid is the launcher's, and LISTEN_PID is this JVM's.
    assertTrue(log.contains("LISTEN_PID is " + ProcessHandle.current().pid() + ", not this process (pid "
        + activated.pid() + "): the descriptors are another process's; binding the socket\n"), log);
    assertFalse(log.contains("serving the socket inherited"), log);
    String where = socket().toString();
    assertEquals(0, Cli.run("ping", "--socket", where).exitCode());
    assertEquals(new Cli.Result(0, "stopped the engine at " + where + "\n", ""), Cli.run("stop", "--socket", where));
    assertEquals(0, awaitExit(activated), logText());
    assertFalse(Files.exists(socket()), "its own socket, removed at stop");
  }
}
