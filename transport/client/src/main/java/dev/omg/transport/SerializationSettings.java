package dev.omg.transport;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import dev.omg.config.Settings;
import dev.omg.config.SettingsException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * INTERNAL API. The typed, validated {@code omg.serialization} settings: the application's own payload types by
 * registration id. Checked at load: each id is a number from 100 up, each class is on the classpath, and no class
 * is registered twice or is one of the protocol's own types.
 */
public final class SerializationSettings {
  public static final String REGISTER = "omg.serialization.register";
  /** Ids above this would make the one-byte-per-7-bits tag longer than needed for any sane table. */
  public static final int MAX_USER_ID = 1_000_000;

  /** Registration id to class, ids from 100, in id order. */
  public final Map<Integer, Class<?>> userTypes;

  private SerializationSettings(Config config, ClassLoader loader) {
    Config register = Settings.object(config, REGISTER);
    Map<Integer, Class<?>> types = new TreeMap<>();
    Map<Class<?>, Integer> seen = new HashMap<>();
    // In id order, so that a clash is reported at the higher of the two ids, whatever the file's order.
    List<Map.Entry<String, ConfigValue>> entries = new ArrayList<>(register.root().entrySet());
    entries.sort(Comparator.comparing((Map.Entry<String, ConfigValue> e) -> e.getKey().length())
        .thenComparing(Map.Entry::getKey));
    for (Map.Entry<String, ConfigValue> entry : entries) {
      String key = REGISTER + ".\"" + entry.getKey() + "\"";
      int id;
      try {
        id = Integer.parseInt(entry.getKey());
      } catch (NumberFormatException e) {
        throw new SettingsException(key, "registration ids are numbers from " + WireFormat.FIRST_USER_ID
            + " to " + MAX_USER_ID + ", got '" + entry.getKey() + "'");
      }
      if (id < WireFormat.FIRST_USER_ID || id > MAX_USER_ID) {
        throw new SettingsException(key, "registration ids are numbers from " + WireFormat.FIRST_USER_ID
            + " to " + MAX_USER_ID + " (0-99 belong to the protocol), got " + id);
      }
      String className = Settings.nonEmptyString(config, key);
      Class<?> type;
      try {
        type = Class.forName(className, false, loader);
      } catch (ClassNotFoundException | LinkageError e) {
        throw new SettingsException(key, "class " + className + " is not on the classpath", e);
      }
      if (WireFormat.STANDARD_TYPES.contains(type)) {
        throw new SettingsException(key, className + " is a standard type with its own fixed id; remove it");
      }
      Integer clash = seen.putIfAbsent(type, id);
      if (clash != null) {
        throw new SettingsException(key, className + " is registered twice, as " + clash + " and " + id);
      }
      types.put(id, type);
    }
    this.userTypes = Collections.unmodifiableMap(types);
  }

  public static SerializationSettings create(Config config, ClassLoader loader) {
    return new SerializationSettings(config, loader);
  }
}
