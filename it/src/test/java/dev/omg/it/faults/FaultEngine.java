package dev.omg.it.faults;

import dev.omg.client.EngineClient;
import dev.omg.it.EngineProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The real engine jar with the routing tests' misbehaving handlers ({@code dev.omg.routing.TestHandlers}, from that
 * module's test jar) on its classpath, and limits small enough to reach in a test.
 */
public final class FaultEngine {
  /** The misbehaving handlers, named as commands, and tight timeouts. */
  public static final String CONFIG = """
      omg.routing.request-timeout = 1s
      omg.transport.frame-idle-timeout = 1s
      omg.handlers {
        fragile { class = "dev.omg.routing.TestHandlers$Fragile" }
        silent { class = "dev.omg.routing.TestHandlers$Silent" }
        twice { class = "dev.omg.routing.TestHandlers$Twice" }
        late { class = "dev.omg.routing.TestHandlers$Late", delay = 1500ms }
        slow { class = "dev.omg.routing.TestHandlers$Slow", delay = 20ms, max-queued = 32 }
      }
      """;

  private FaultEngine() {}

  /** Starts the engine in {@code directory} with {@link #CONFIG} plus {@code extraConfig}. */
  public static EngineProcess start(Path directory, String extraConfig) throws IOException, InterruptedException {
    Files.createDirectories(directory);
    Path config = directory.resolve("faults.conf");
    Files.writeString(config, CONFIG + extraConfig);
    return EngineProcess.start(directory, List.of("-Xmx256m"), List.of(handlerJar()), "--config", config.toString());
  }

  /** Where the test handlers are: the routing test jar, or its classes directory in an IDE. */
  private static Path handlerJar() {
    try {
      return Path.of(Class.forName("dev.omg.routing.TestHandlers$Silent").getProtectionDomain().getCodeSource()
          .getLocation().toURI());
    } catch (ReflectiveOperationException | java.net.URISyntaxException e) {
      throw new IllegalStateException("the routing test jar is not on the test classpath", e);
    }
  }

  /** The engine's status map, from a connection of its own. */
  public static Map<?, ?> status(Path socket) throws Exception {
    try (EngineClient client = EngineClient.connect(socket)) {
      return (Map<?, ?>) client.call("status", null).payload();
    }
  }

  /** A status counter as a long. */
  public static long stat(Path socket, String key) throws Exception {
    return ((Number) status(socket).get(key)).longValue();
  }
}
