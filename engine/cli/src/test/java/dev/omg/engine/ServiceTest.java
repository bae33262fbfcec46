package dev.omg.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.omg.transport.SocketAccess;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code service install|uninstall|status}: the unit files it writes, and what it does without systemd. */
class ServiceTest {
  @TempDir
  Path dir;
  private Path jar;
  private String previousJar;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void anEngineJar() throws Exception {
    jar = Files.createFile(dir.resolve("omg-engine.jar"));
    previousJar = System.setProperty(ClientCommands.ENGINE_JAR_PROPERTY, jar.toString());
  }

  @AfterEach
  void restoreTheProperty() {
    if (previousJar != null) {
      System.setProperty(ClientCommands.ENGINE_JAR_PROPERTY, previousJar);
    } else {
      System.clearProperty(ClientCommands.ENGINE_JAR_PROPERTY);
    }
  }

  private int run(Map<String, String> env, String... args) {
    out.reset();
    err.reset();
    return Cli.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), Cli::serveNeedsTheEngineJar);
  }

  private Map<String, String> withoutSystemd() {
    Map<String, String> env = new HashMap<>();
    env.put("PATH", dir.resolve("no-bin").toString());
    env.put("HOME", dir.toString());
    env.put("XDG_RUNTIME_DIR", "/run/user/4242");
    env.put("OMG_ENGINE_JAVA_OPTS", "-Xmx128m -XX:+UseSerialGC");
    return env;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** What the engine JVM gets before the options in OMG_ENGINE_JAVA_OPTS on this JVM (EngineJvmOptions). */
  private static String quietOptions() {
    return Runtime.version().feature() >= 23
        ? "--enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow " : "";
  }

  @Test
  void installIntoAUnitDirWritesTheSocketAndServiceUnitsAndPrintsTheCommandsToRun() throws Exception {
    Path units = dir.resolve("units");
    assertEquals(Cli.OK, run(withoutSystemd(), "service", "install", "--unit-dir", units.toString()));
    assertEquals("", err.toString(StandardCharsets.UTF_8));
    assertEquals("wrote " + units.resolve("omg-engine.socket") + "\n"
        + "wrote " + units.resolve("omg-engine.service") + "\n"
        + "systemctl was not run (--unit-dir); to use these units, run:\n"
        + "  systemctl --user link " + units.resolve("omg-engine.socket") + " " + units.resolve("omg-engine.service")
        + "\n"
        + "  systemctl --user daemon-reload\n"
        + "  systemctl --user enable --now omg-engine.socket\n", out.toString(StandardCharsets.UTF_8));
    assertEquals(List.of("omg-engine.service", "omg-engine.socket"), listing(units));
    assertEquals(Service.MARKER + "\n"
        + "[Unit]\n"
        + "Description=omg-engine socket (the engine starts on the first connection)\n"
        + "\n"
        + "[Socket]\n"
        + "ListenStream=%t/omg/engine.sock\n"
        + "SocketMode=0600\n"
        + "DirectoryMode=0700\n"
        + "FileDescriptorName=omg-engine\n"
        + "Accept=no\n"
        + "RemoveOnStop=no\n"
        + "\n"
        + "[Install]\n"
        + "WantedBy=sockets.target\n", Files.readString(units.resolve("omg-engine.socket")));
    assertEquals(Service.MARKER + "\n"
        + "[Unit]\n"
        + "Description=omg-engine (socket-activated by omg-engine.socket)\n"
        + "Requires=omg-engine.socket\n"
        + "After=omg-engine.socket\n"
        + "StartLimitIntervalSec=60\n"
        + "StartLimitBurst=3\n"
        + "\n"
        + "[Service]\n"
        + "Type=simple\n"
        + "ExecStart=" + java() + " " + quietOptions() + "-Xmx128m -XX:+UseSerialGC -jar " + jar
        + " serve --socket %t/omg/engine.sock\n"
        + "Restart=on-failure\n"
        + "RestartSec=2\n", Files.readString(units.resolve("omg-engine.service")));
  }

  @Test
  void installNamesTheConfigFileAndASocketOutsideTheRuntimeDirectoryLiterally() throws Exception {
    Path units = dir.resolve("units");
    Path config = Files.writeString(dir.resolve("my engine.conf"), "omg.client.auto-start = off\n");
    assertEquals(Cli.OK, run(withoutSystemd(), "service", "install", "--unit-dir", units.toString(),
        "--socket", "/tmp/omg 100%/engine.sock", "--config", config.toString()));
    String service = Files.readString(units.resolve("omg-engine.service"));
    assertTrue(service.contains("\nExecStart=" + java() + " " + quietOptions() + "-Xmx128m -XX:+UseSerialGC -jar "
        + jar + " serve --socket \"/tmp/omg 100%%/engine.sock\" --config \"" + config + "\"\n"), service);
    assertTrue(Files.readString(units.resolve("omg-engine.socket"))
        .contains("\nListenStream=/tmp/omg 100%%/engine.sock\n"));
  }

  @Test
  void aSharedEngineGetsTheGroupsModesAndSaysToCreateItsDirectory() throws Exception {
    Path units = dir.resolve("units");
    Path config = Files.writeString(dir.resolve("shared.conf"), "omg.security.allowed-gids = [4242]\n");
    Path socket = dir.resolve("shared").resolve("engine.sock");
    assertEquals(Cli.OK, run(withoutSystemd(), "service", "install", "--unit-dir", units.toString(), "--socket",
        socket.toString(), "--config", config.toString()));
    assertTrue(Files.readString(units.resolve("omg-engine.socket")).contains("\nListenStream=" + socket + "\n"
        + "SocketMode=0660\n"
        + "SocketGroup=" + SocketAccess.groupName(4242).orElse("4242") + "\n"
        + "DirectoryMode=0750\n"
        + "FileDescriptorName=omg-engine\n"));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("create " + socket.getParent() + " before the socket "
        + "starts: install -d -m 0750 -g " + SocketAccess.groupName(4242).orElse("4242") + " " + socket.getParent()
        + "\n"), out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void refusesToShareASocketUnderTheRuntimeDirectory() throws Exception {
    Path units = dir.resolve("units");
    Path config = Files.writeString(dir.resolve("shared.conf"), "omg.security.allowed-gids = [4242]\n");
    assertEquals(Cli.FAILED, run(withoutSystemd(), "service", "install", "--unit-dir", units.toString(),
        "--config", config.toString()));
    assertEquals("omg-engine: service install: the engine is shared with group " + SocketAccess.describeGroup(4242)
        + " (omg.security.allowed-gids), but its socket /run/user/4242/omg/engine.sock is under $XDG_RUNTIME_DIR, "
        + "which only you can enter; nothing was changed: give --socket a path in a directory of that group\n",
        err.toString(StandardCharsets.UTF_8));
    assertFalse(Files.exists(units));
  }

  @Test
  void uninstallFromAUnitDirRemovesItsOwnFilesAndPrintsTheCommandsToRun() throws Exception {
    Path units = dir.resolve("units");
    assertEquals(Cli.OK, run(withoutSystemd(), "service", "install", "--unit-dir", units.toString()));
    assertEquals(Cli.OK, run(withoutSystemd(), "service", "uninstall", "--unit-dir", units.toString()));
    assertEquals("systemctl was not run (--unit-dir); before removing units systemd uses, run:\n"
        + "  systemctl --user disable --now omg-engine.socket omg-engine.service\n"
        + "removed " + units.resolve("omg-engine.socket") + "\n"
        + "removed " + units.resolve("omg-engine.service") + "\n"
        + "then: systemctl --user daemon-reload\n", out.toString(StandardCharsets.UTF_8));
    assertEquals(List.of(), listing(units));
  }

  @Test
  void installAndUninstallLeaveAUnitFileTheUserWroteAlone() throws Exception {
    Path units = Files.createDirectories(dir.resolve("units"));
    Path mine = Files.writeString(units.resolve("omg-engine.service"), "[Service]\nExecStart=/bin/true\n");
    assertEquals(Cli.FAILED, run(withoutSystemd(), "service", "install", "--unit-dir", units.toString()));
    assertEquals("omg-engine: service install: " + mine + " exists and was not written by omg service install; "
        + "nothing was changed: move it away first\n", err.toString(StandardCharsets.UTF_8));
    assertEquals(List.of("omg-engine.service"), listing(units));

    assertEquals(Cli.OK, run(withoutSystemd(), "service", "uninstall", "--unit-dir", units.toString()));
    assertEquals("left " + mine + " in place: it was not written by omg service install\n"
        + "nothing to uninstall: no unit files of omg service install in " + units + "\n",
        out.toString(StandardCharsets.UTF_8));
    assertEquals("[Service]\nExecStart=/bin/true\n", Files.readString(mine));
  }

  @Test
  void statusSaysWhatIsInstalledWhere() throws Exception {
    Path units = dir.resolve("units");
    run(withoutSystemd(), "service", "install", "--unit-dir", units.toString());
    Files.delete(units.resolve("omg-engine.service"));
    assertEquals(Cli.OK, run(withoutSystemd(), "service", "status", "--unit-dir", units.toString()));
    assertEquals("unit directory: " + units + "\n"
        + "  omg-engine.socket: installed; ListenStream=%t/omg/engine.sock\n"
        + "  omg-engine.service: not installed\n", out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void installWithoutSystemctlSaysSoAndWritesNothing() {
    Map<String, String> env = withoutSystemd();
    env.put("XDG_CONFIG_HOME", dir.resolve("config").toString());
    assertEquals(Cli.FAILED, run(env, "service", "install"));
    assertEquals("omg-engine: service install: systemd is not available (no systemctl on PATH); nothing was "
        + "changed (--unit-dir DIR writes the unit files without systemd; auto-start needs none)\n",
        err.toString(StandardCharsets.UTF_8));
    assertEquals("", out.toString(StandardCharsets.UTF_8));
    assertFalse(Files.exists(dir.resolve("config")));
  }

  @Test
  void installWhereSystemctlReachesNoUserManagerSaysSoAndWritesNothing() {
    // With no XDG_RUNTIME_DIR nor DBUS_SESSION_BUS_ADDRESS, systemctl --user finds no manager on any machine.
    String path = System.getenv().getOrDefault("PATH", "");
    assumeTrue(Arrays.stream(path.split(File.pathSeparator))
        .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, "systemctl"))), "no systemctl on PATH");
    Map<String, String> env = new HashMap<>(Map.of("PATH", path, "HOME", dir.toString(),
        "XDG_CONFIG_HOME", dir.resolve("config").toString()));
    assertEquals(Cli.FAILED, run(env, "service", "install"));
    String said = err.toString(StandardCharsets.UTF_8);
    assertTrue(said.startsWith("omg-engine: service install: no systemd user manager answers (systemctl --user: "
        + "Failed to connect to bus"), said);
    assertTrue(said.endsWith("); nothing was changed (--unit-dir DIR writes the unit files without systemd; "
        + "auto-start needs none)\n"), said);
    assertFalse(Files.exists(dir.resolve("config")));
  }

  @Test
  void serviceWithoutAnActionIsAUsageError() {
    assertEquals(Cli.USAGE, run(withoutSystemd(), "service"));
    assertEquals("omg-engine: service needs one of install, uninstall, status; got []\n",
        err.toString(StandardCharsets.UTF_8));
  }

  private static List<String> listing(Path directory) throws Exception {
    try (var files = Files.list(directory)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }
}
