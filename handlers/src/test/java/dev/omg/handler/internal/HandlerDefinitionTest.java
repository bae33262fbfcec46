package dev.omg.handler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.omg.config.OmgConfig;
import dev.omg.config.SettingsException;
import dev.omg.handler.CommandInfo;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HandlerDefinitionTest {
  private static List<String> commands(String hocon) {
    return HandlerDefinition.all(OmgConfig.parse(hocon), HandlerDefinitionTest.class.getClassLoader())
        .stream().map(HandlerDefinition::command).toList();
  }

  private static SettingsException failure(String hocon) {
    return assertThrows(SettingsException.class, () -> commands(hocon));
  }

  @Test
  void loadsTheBuiltInHandlersFromReferenceConf() {
    assertEquals(List.of("commands", "echo", "ping", "status", "stop"), commands(""));
  }

  @Test
  void addsAHandlerNamedInTheUsersConfig() {
    assertEquals(List.of("commands", "echo", "ping", "repeat", "status", "stop"),
        commands("omg.handlers.repeat { class = \"dev.omg.handler.internal.builtin.EchoHandler\", times = 2 }"));
  }

  @Test
  void removesABuiltInCommandSetToNull() {
    assertEquals(List.of("commands", "ping", "status", "stop"), commands("omg.handlers.echo = null"));
  }

  @Test
  void rejectsAClassThatIsNotOnTheClasspathNamingTheKey() {
    SettingsException e = failure("omg.handlers.greet { class = \"com.example.Missing\" }");
    assertEquals("omg.handlers.\"greet\".class", e.key());
    assertEquals("omg.handlers.\"greet\".class: class com.example.Missing is not on the classpath", e.getMessage());
  }

  @Test
  void aClusteredCommandsClassNeedNotBeOnTheEnginesClasspath() {
    HandlerDefinition build = HandlerDefinition.all(OmgConfig.parse(
            "omg.handlers.build { class = \"com.example.Missing\", cluster-role = \"builder\", instances = 4 }"),
        getClass().getClassLoader()).stream().filter(d -> d.command().equals("build")).findFirst().orElseThrow();
    assertEquals(java.util.Optional.of("builder"), build.clusterRole());
    assertEquals("builder", build.info(Duration.ofSeconds(5), 1024).clusterRole());
    // Where it runs, a worker loads it, and a missing class is the same configuration error as on the engine.
    SettingsException e = assertThrows(SettingsException.class, () -> build.loaded(getClass().getClassLoader()));
    assertEquals("omg.handlers.\"build\".class: class com.example.Missing is not on the classpath", e.getMessage());
  }

  @Test
  void rejectsAClusterRoleThatIsNoName() {
    SettingsException e = failure("omg.handlers.build { class = \"com.example.Missing\", cluster-role = \"a b\" }");
    assertEquals("omg.handlers.\"build\".cluster-role: role names are 1-64 letters, digits, '_', '.' or '-', got"
        + " 'a b'", e.getMessage());
  }

  @Test
  void rejectsAClassThatIsNotAHandler() {
    SettingsException e = failure("omg.handlers.greet { class = \"java.lang.String\" }");
    assertEquals("omg.handlers.\"greet\".class: java.lang.String is not a concrete subclass of "
        + "dev.omg.handler.Handler", e.getMessage());
  }

  @Test
  void rejectsAHandlerWithoutTheEnginesConstructor() {
    SettingsException e = failure("omg.handlers.greet { class = \"" + NoConstructorHandler.class.getName() + "\" }");
    assertEquals("omg.handlers.\"greet\".class: " + NoConstructorHandler.class.getName()
        + " needs a public constructor (ActorContext<HandlerMessage>, HandlerContext)", e.getMessage());
  }

  @Test
  void rejectsAHandlerBlockWithoutAClass() {
    SettingsException e = failure("omg.handlers.greet { times = 1 }");
    assertEquals("omg.handlers.\"greet\".class: is missing", e.getMessage());
  }

  @Test
  void rejectsACommandNameWithSpaces() {
    SettingsException e = failure("omg.handlers.\"two words\" { class = \"dev.omg.handler.internal.builtin.EchoHandler\" }");
    assertEquals("omg.handlers.\"two words\": command names are 1-64 letters, digits, '_', '.', ':' or '-'",
        e.getMessage());
  }

  @Test
  void rejectsAHandlerThatIsNotABlock() {
    SettingsException e = failure("omg.handlers.greet = 5");
    assertEquals("omg.handlers.\"greet\": must be a block { class = \"...\" } or null, got NUMBER", e.getMessage());
  }

  @Test
  void readsPoolSizeDispatcherTimeoutAndPayloadTypes() {
    HandlerDefinition greet = HandlerDefinition.all(OmgConfig.parse("""
        omg.serialization.register { 100 = "dev.omg.handler.internal.NoConstructorHandler" }
        omg.handlers.greet {
          class = "dev.omg.handler.internal.builtin.EchoHandler"
          instances = 3
          dispatcher = "pekko.actor.default-blocking-io-dispatcher"
          timeout = 30s
          payload-types = [list, "dev.omg.handler.internal.NoConstructorHandler"]
        }"""), getClass().getClassLoader()).stream().filter(d -> d.command().equals("greet")).findFirst()
        .orElseThrow();
    assertEquals(new CommandInfo("greet", "dev.omg.handler.internal.builtin.EchoHandler", 3,
        "pekko.actor.default-blocking-io-dispatcher", Duration.ofSeconds(30), 1024,
        List.of("list", "dev.omg.handler.internal.NoConstructorHandler")), greet.info(Duration.ofSeconds(5), 1024));
  }

  @Test
  void aHandlerWithoutTimeoutUsesTheGlobalOne() {
    HandlerDefinition echo = HandlerDefinition.all(OmgConfig.parse(""), getClass().getClassLoader()).stream()
        .filter(d -> d.command().equals("echo")).findFirst().orElseThrow();
    assertEquals(Duration.ofSeconds(5), echo.info(Duration.ofSeconds(5), 10).timeout());
    assertEquals(1, echo.instances());
  }

  @Test
  void rejectsADispatcherThatIsNotConfigured() {
    SettingsException e = failure("omg.handlers.greet { class = \"dev.omg.handler.internal.builtin.EchoHandler\", "
        + "dispatcher = \"my-io\" }");
    assertEquals("omg.handlers.\"greet\".dispatcher: no dispatcher is configured at 'my-io'; name a block such as "
        + "pekko.actor.default-blocking-io-dispatcher, or define one", e.getMessage());
  }

  @Test
  void rejectsAPoolOfNoInstances() {
    SettingsException e = failure("omg.handlers.greet { class = \"dev.omg.handler.internal.builtin.EchoHandler\", "
        + "instances = 0 }");
    assertEquals("omg.handlers.\"greet\".instances: must be between 1 and 1024, got 0", e.getMessage());
  }

  @Test
  void rejectsAPayloadTypeThatIsNeitherStandardNorRegistered() {
    SettingsException e = failure("omg.handlers.greet { class = \"dev.omg.handler.internal.builtin.EchoHandler\", "
        + "payload-types = [\"com.example.Unregistered\"] }");
    assertEquals("omg.handlers.\"greet\".payload-types: 'com.example.Unregistered' is neither a standard type "
        + "[boolean, byte, bytes, char, double, float, int, list, long, map, none, short, string] nor a class in "
        + "omg.serialization.register", e.getMessage());
  }
}
