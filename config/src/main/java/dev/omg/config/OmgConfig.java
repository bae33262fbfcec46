package dev.omg.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigValue;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Loads the engine's configuration: every module's reference.conf, overlaid by the user's file, overlaid by
 * system properties. An application jar may add {@value #DEFAULTS_RESOURCE} resources: they sit above every
 * reference.conf and below the user's file, which is where settings for libraries (e.g. {@code pekko.*}) belong.
 * With {@code omg.config.strict = on} an unknown key under {@code omg.*} fails the load.
 */
public final class OmgConfig {
  /** Application defaults that override libraries' reference.conf files. */
  public static final String DEFAULTS_RESOURCE = "omg-defaults.conf";

  private OmgConfig() {}

  /** Loads the defaults plus, when present, the user's file. */
  public static Config load(Optional<Path> userFile) {
    return load(userFile, OmgConfig.class.getClassLoader());
  }

  public static Config load(Optional<Path> userFile, ClassLoader loader) {
    return overlay(userConfig(userFile), loader, true);
  }

  /**
   * As {@link #load(Optional)}, without the unknown-key check: for a client that reads a few keys of a file written
   * for the engine and has only its own modules' reference.conf. The engine, which knows every key, checks them.
   */
  public static Config loadForClient(Optional<Path> userFile) {
    return overlay(userConfig(userFile), OmgConfig.class.getClassLoader(), false);
  }

  private static Config userConfig(Optional<Path> userFile) {
    Config user = ConfigFactory.empty();
    if (userFile.isPresent()) {
      Path file = userFile.get();
      if (!Files.isRegularFile(file)) {
        throw new SettingsException("--config", "no such file: " + file);
      }
      user = ConfigFactory.parseFile(file.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
    }
    return user;
  }

  /** The defaults overlaid by a configuration given as a string; for tests and embedding. */
  public static Config parse(String hocon) {
    return overlay(ConfigFactory.parseString(hocon), OmgConfig.class.getClassLoader(), true);
  }

  private static Config overlay(Config user, ClassLoader loader, boolean checkUnknownKeys) {
    ConfigFactory.invalidateCaches();
    Config reference = ConfigFactory.defaultReference(loader);
    Config merged = ConfigFactory.defaultOverrides(loader)
        .withFallback(user)
        .withFallback(ConfigFactory.parseResourcesAnySyntax(loader, DEFAULTS_RESOURCE))
        .withFallback(reference)
        .resolve();
    if (checkUnknownKeys && Settings.bool(merged, "omg.config.strict")) {
      rejectUnknownKeys(user, reference, Settings.stringList(merged, "omg.config.open-paths"));
    }
    return merged;
  }

  static void rejectUnknownKeys(Config user, Config reference, List<String> openPaths) {
    if (!user.hasPath("omg")) {
      return;
    }
    List<String> keys = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    for (Map.Entry<String, ConfigValue> entry : user.getConfig("omg").entrySet()) {
      String key = "omg." + entry.getKey();
      if (isUnder(key, openPaths) || reference.hasPathOrNull(key)) {
        continue;
      }
      ConfigValue value = entry.getValue();
      String where = value.origin().filename() != null
          ? " (" + value.origin().filename() + ":" + value.origin().lineNumber() + ")"
          : "";
      keys.add(key);
      unknown.add(key + where);
    }
    if (!unknown.isEmpty()) {
      throw new SettingsException(keys.get(0),
          "unknown setting" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
              + "; no module defines it (set omg.config.strict = off to allow)");
    }
  }

  private static boolean isUnder(String key, List<String> prefixes) {
    for (String prefix : prefixes) {
      if (key.equals(prefix) || key.startsWith(prefix + ".")) {
        return true;
      }
    }
    return false;
  }
}
