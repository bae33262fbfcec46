package dev.omg.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.List;

/**
 * Typed, validating readers over a {@link Config}. Each settings class reads its keys through these so that
 * every bad value fails at start with the full key name, the value's origin and the allowed range.
 */
public final class Settings {
  private Settings() {}

  public static Duration positiveDuration(Config config, String path) {
    Duration value = read(config, path, () -> config.getDuration(path));
    if (value.isZero() || value.isNegative()) {
      throw new SettingsException(path, "must be a positive duration, got " + config.getValue(path).unwrapped());
    }
    return value;
  }

  public static long bytes(Config config, String path, long min, long max) {
    long value = read(config, path, () -> config.getBytes(path));
    if (value < min || value > max) {
      throw new SettingsException(path, "must be between " + min + " and " + max + " bytes, got " + value);
    }
    return value;
  }

  public static int intInRange(Config config, String path, int min, int max) {
    int value = read(config, path, () -> config.getInt(path));
    if (value < min || value > max) {
      throw new SettingsException(path, "must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }

  public static boolean bool(Config config, String path) {
    return read(config, path, () -> config.getBoolean(path));
  }

  public static String string(Config config, String path) {
    return read(config, path, () -> config.getString(path));
  }

  public static String nonEmptyString(Config config, String path) {
    String value = string(config, path);
    if (value.isBlank()) {
      throw new SettingsException(path, "must not be empty");
    }
    return value;
  }

  public static List<String> stringList(Config config, String path) {
    return read(config, path, () -> config.getStringList(path));
  }

  public static List<Integer> intList(Config config, String path) {
    return read(config, path, () -> config.getIntList(path));
  }

  public static Config object(Config config, String path) {
    return read(config, path, () -> config.getConfig(path));
  }

  private interface Reader<T> {
    T read();
  }

  private static <T> T read(Config config, String path, Reader<T> reader) {
    try {
      return reader.read();
    } catch (ConfigException.Missing e) {
      throw new SettingsException(path, "is missing", e);
    } catch (ConfigException e) {
      // Typesafe's message carries the origin (file:line) and the expected type; add the offending value.
      throw new SettingsException(path, "invalid value " + config.getValue(path).render() + " ("
          + e.getMessage() + ")", e);
    }
  }
}
