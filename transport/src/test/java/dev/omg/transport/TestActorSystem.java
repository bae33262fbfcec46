package dev.omg.transport;

import dev.omg.config.OmgConfig;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.Materializer;

/** A real actor system with the engine's configuration, and its materializer, for one test class. */
public final class TestActorSystem {
  public final ActorSystem system;
  public final Materializer materializer;

  private TestActorSystem(String name) {
    system = ActorSystem.create(name, OmgConfig.load(Optional.empty()));
    materializer = Materializer.createMaterializer(system);
  }

  public static TestActorSystem start(String name) {
    return new TestActorSystem(name);
  }

  /** Terminates the system and waits (at most 10 s) until it has. */
  public void stop() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
