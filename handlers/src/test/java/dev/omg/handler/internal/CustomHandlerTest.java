package dev.omg.handler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.omg.config.OmgConfig;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerReply;
import dev.omg.handler.HandlerRequest;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The handler from docs/handlers.md, loaded from HOCON the way the engine loads it. */
class CustomHandlerTest {
  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private HandlerReply greet(String config, Object payload) {
    HandlerDefinition definition = HandlerDefinition.all(OmgConfig.parse(config), getClass().getClassLoader())
        .stream().filter(d -> d.command().equals("greet")).findFirst().orElseThrow();
    ActorRef<HandlerMessage> handler = testKit.spawn(definition.behavior(new TestEngine()));
    TestProbe<HandlerReply> probe = testKit.createTestProbe();
    handler.tell(new HandlerRequest(7, "greet", payload, Instant.now().plusSeconds(5), probe.getRef()));
    return probe.receiveMessage();
  }

  @Test
  void greetUsesTheGreetingFromItsConfigBlock() {
    String config = "omg.handlers.greet { class = \"com.example.GreetHandler\", greeting = \"hej\" }";
    assertEquals(HandlerReply.ok("hej, Ada Lovelace!"), greet(config, List.of("Ada", "Lovelace")));
  }

  @Test
  void greetFallsBackToItsDefaultsWithoutOptionsOrArguments() {
    assertEquals(HandlerReply.ok("hello, world!"), greet("omg.handlers.greet.class = com.example.GreetHandler", null));
  }
}
