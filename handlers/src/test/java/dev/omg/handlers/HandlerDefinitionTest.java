package dev.omg.handlers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.omg.config.OmgConfig;
import dev.omg.config.SettingsException;
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
    assertEquals(List.of("echo", "ping", "status", "stop"), commands(""));
  }

  @Test
  void addsAHandlerNamedInTheUsersConfig() {
    assertEquals(List.of("echo", "ping", "repeat", "status", "stop"),
        commands("omg.handlers.repeat { class = \"dev.omg.handlers.builtin.EchoHandler\", times = 2 }"));
  }

  @Test
  void removesABuiltInCommandSetToNull() {
    assertEquals(List.of("ping", "status", "stop"), commands("omg.handlers.echo = null"));
  }

  @Test
  void rejectsAClassThatIsNotOnTheClasspathNamingTheKey() {
    SettingsException e = failure("omg.handlers.greet { class = \"com.example.Missing\" }");
    assertEquals("omg.handlers.\"greet\".class", e.key());
    assertEquals("omg.handlers.\"greet\".class: class com.example.Missing is not on the classpath", e.getMessage());
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
        + " needs a public constructor (ActorContext<HandlerRequest>, HandlerContext)", e.getMessage());
  }

  @Test
  void rejectsAHandlerBlockWithoutAClass() {
    SettingsException e = failure("omg.handlers.greet { times = 1 }");
    assertEquals("omg.handlers.\"greet\".class: is missing", e.getMessage());
  }

  @Test
  void rejectsACommandNameWithSpaces() {
    SettingsException e = failure("omg.handlers.\"two words\" { class = \"dev.omg.handlers.builtin.EchoHandler\" }");
    assertEquals("omg.handlers.\"two words\": command names are 1-64 letters, digits, '_', '.', ':' or '-'",
        e.getMessage());
  }

  @Test
  void rejectsAHandlerThatIsNotABlock() {
    SettingsException e = failure("omg.handlers.greet = 5");
    assertEquals("omg.handlers.\"greet\": must be a block { class = \"...\" } or null, got NUMBER", e.getMessage());
  }
}
