package dev.omg.it;

import dev.omg.it.handlers.HoldHandler;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The dev.omg.it.handlers classes, copied alone to a directory for the engine's classpath. */
final class TestHandlers {
  private TestHandlers() {}

  /**
   * A classpath entry holding only the test handlers: the test-classes directory itself would also bring this
   * module's logback-test.xml into the engine and silence its log.
   */
  static Path classpath(Path directory) throws IOException {
    Path classes;
    try {
      classes = Path.of(HoldHandler.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    } catch (URISyntaxException e) {
      throw new IOException(e);
    }
    Path packagePath = Path.of("dev", "omg", "it", "handlers");
    Path target = directory.resolve("handlers");
    Files.createDirectories(target.resolve(packagePath));
    try (Stream<Path> files = Files.list(classes.resolve(packagePath))) {
      for (Path file : files.toList()) {
        Files.copy(file, target.resolve(packagePath).resolve(file.getFileName()));
      }
    }
    return target;
  }

  static List<Path> holdHandler(Path directory) throws IOException {
    return List.of(classpath(directory));
  }
}
