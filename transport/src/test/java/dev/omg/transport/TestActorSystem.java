package dev.omg.transport;

import dev.omg.config.OmgConfig;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real actor system with the engine's configuration, and its materializer, for one test class:
 * {@code @RegisterExtension static final TestActorSystem actors = new TestActorSystem();}
 */
public final class TestActorSystem implements BeforeAllCallback, AfterAllCallback {
  private ActorSystem system;
  private Materializer materializer;

  @Override
  public void beforeAll(ExtensionContext context) {
    system = ActorSystem.create(context.getRequiredTestClass().getSimpleName(), OmgConfig.load(Optional.empty()));
    materializer = Materializer.createMaterializer(system);
  }

  /** Terminates the system and waits (at most 10 s) until it has. */
  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  public ActorSystem system() {
    return system;
  }

  public Materializer materializer() {
    return materializer;
  }
}
