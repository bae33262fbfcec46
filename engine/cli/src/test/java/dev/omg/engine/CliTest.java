package dev.omg.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The thin jar's entry point: the client commands, and a clear answer for serve, which lives in the engine jar. */
class CliTest {
  @TempDir
  Path dir;

  @Test
  void serveInTheClientJarNamesTheEngineJarInstead() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Cli.run(new String[] {"serve"}, Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), Cli::serveNeedsTheEngineJar);
    assertEquals(Cli.USAGE, exit);
    assertEquals("", out.toString(StandardCharsets.UTF_8));
    assertEquals("omg-engine: serve runs from the engine jar, not this client jar: bin/omg serve, or java -jar "
        + "engine/target/omg-engine.jar serve\n", err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void autoStartWithoutAnEngineJarSaysHowToGetOne() {
    String socket = dir.resolve("run").resolve("engine.sock").toString();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    String previous = System.clearProperty(ClientCommands.ENGINE_JAR_PROPERTY);
    try {
      int exit = Cli.run(new String[] {"ping", "--auto-start", "--socket", socket}, Map.of(),
          new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
          new PrintStream(err, true, StandardCharsets.UTF_8), Cli::serveNeedsTheEngineJar);
      assertEquals(Cli.FAILED, exit);
      assertEquals("omg-engine: cannot start an engine: this client jar holds none, and omg.engine.jar is not set; "
          + "run the command through bin/omg, or start the engine with: bin/omg serve\n",
          err.toString(StandardCharsets.UTF_8));
    } finally {
      if (previous != null) {
        System.setProperty(ClientCommands.ENGINE_JAR_PROPERTY, previous);
      }
    }
  }

  @Test
  void serveTakesTheWorkerModeItsRolesAndTheClusterAddresses() {
    Cli.Arguments arguments = Cli.Arguments.parse(new String[] {"serve", "--worker", "--role", "builder", "--role",
        "indexer", "--cluster-port", "0", "--seed", "127.0.0.1:25520"});
    assertEquals(List.of(true, List.of("builder", "indexer"), Optional.of(0), List.of("127.0.0.1:25520")),
        List.of(arguments.worker, arguments.roles, arguments.clusterPort, arguments.seeds));
  }

  @Test
  void refusesAWorkerWithoutARoleAndARoleWithoutTheWorkerMode() {
    assertEquals("--worker needs at least one --role ROLE", assertThrows(IllegalArgumentException.class,
        () -> Cli.Arguments.parse(new String[] {"serve", "--worker"})).getMessage());
    assertEquals("--role is for serve --worker", assertThrows(IllegalArgumentException.class,
        () -> Cli.Arguments.parse(new String[] {"serve", "--role", "builder"})).getMessage());
    assertEquals("--cluster-port takes a port, 0 to 65535, got 'x'", assertThrows(IllegalArgumentException.class,
        () -> Cli.Arguments.parse(new String[] {"serve", "--cluster-port", "x"})).getMessage());
    assertEquals("--worker, --role, --cluster-port and --seed are for serve", assertThrows(
        IllegalArgumentException.class, () -> Cli.Arguments.parse(new String[] {"ping", "--seed", "h:1"}))
        .getMessage());
  }
}
