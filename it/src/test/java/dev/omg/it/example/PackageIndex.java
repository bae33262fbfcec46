package dev.omg.it.example;

import com.example.pkgindex.InstallRequest;
import com.example.pkgindex.InstallResult;
import com.example.pkgindex.PackageInfo;
import dev.omg.client.ClientOptions;
import dev.omg.it.EngineProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The example application (it/example-app) as a user runs it: its jar next to the engine jar, its pkgindex.conf
 * as the engine's config (included by a test file that points the install directory into the test's temp dir and
 * makes downloads quick).
 */
final class PackageIndex {
  private PackageIndex() {}

  /** it/example-app: {@code -Domg.example.dir}, else relative to the it/ module. */
  static Path dir() {
    return Path.of(System.getProperty("omg.example.dir", "example-app")).toAbsolutePath().normalize();
  }

  static Path jar() {
    Path jar = dir().resolve("target").resolve("pkgindex.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("example jar not found at " + jar + "; build it with: mvn -B package -DskipTests");
    }
    return jar;
  }

  /** A config file in {@code directory} that includes pkgindex.conf, installs into directory/installed. */
  static Path config(Path directory, String extra) throws IOException {
    Files.createDirectories(directory);
    Path config = directory.resolve("pkgindex-test.conf");
    Files.writeString(config, "include file(\"" + dir().resolve("pkgindex.conf") + "\")\n"
        + "pkgindex.install-dir = \"" + directory.resolve("installed") + "\"\n"
        + "pkgindex.step-delay = 100ms\n" + extra);
    return config;
  }

  static EngineProcess start(Path directory) throws IOException, InterruptedException {
    return EngineProcess.start(directory, List.of("-Xmx256m"), List.of(jar()), "--config",
        config(directory, "").toString());
  }

  /** A Java client's options: the same payload types as pkgindex.conf registers. */
  static ClientOptions clientOptions() {
    return ClientOptions.defaults().withUserTypes(Map.of(100, InstallRequest.class, 101, InstallResult.class,
        102, PackageInfo.class));
  }
}
