package dev.omg.engine;

import java.lang.reflect.RecordComponent;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * How the CLI shows payloads to a person: strings as they are, lists a line each, maps and records as key: value
 * lines; and as JSON for scripts.
 */
final class Render {
  private Render() {}

  static String text(Object payload) {
    if (payload == null) {
      return "";
    }
    if (payload instanceof List<?> list) {
      return list.stream().map(Render::text).collect(Collectors.joining("\n"));
    }
    if (payload instanceof Map<?, ?> map) {
      return map.entrySet().stream()
          .map(entry -> entry.getKey() + ": " + text(entry.getValue()))
          .collect(Collectors.joining("\n"));
    }
    if (payload instanceof byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
    if (payload.getClass().isRecord()) {
      return text(components(payload));
    }
    return String.valueOf(payload);
  }

  /** An application's record payload as its components, in declaration order. */
  private static Map<String, Object> components(Object record) {
    Map<String, Object> components = new LinkedHashMap<>();
    for (RecordComponent component : record.getClass().getRecordComponents()) {
      try {
        component.getAccessor().setAccessible(true);
        components.put(component.getName(), component.getAccessor().invoke(record));
      } catch (ReflectiveOperationException | RuntimeException e) {
        components.put(component.getName(), "(unreadable: " + e + ")");
      }
    }
    return components;
  }

  /**
   * JSON for scripts (no library needed on the client side): maps as objects, lists as arrays, numbers and
   * booleans as they are, byte arrays as UTF-8 text, records as objects of their components, anything else as
   * a string.
   */
  static String json(Object value) {
    StringBuilder json = new StringBuilder();
    writeJson(json, value);
    return json.toString();
  }

  private static void writeJson(StringBuilder json, Object value) {
    if (value == null) {
      json.append("null");
    } else if (value instanceof Boolean || value instanceof Integer || value instanceof Long
        || value instanceof Short || value instanceof Byte) {
      json.append(value);
    } else if (value instanceof Number number) {
      double d = number.doubleValue();
      json.append(Double.isFinite(d) ? String.valueOf(value) : "null");
    } else if (value instanceof Map<?, ?> map) {
      json.append('{');
      String separator = "";
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        json.append(separator);
        writeString(json, String.valueOf(entry.getKey()));
        json.append(':');
        writeJson(json, entry.getValue());
        separator = ",";
      }
      json.append('}');
    } else if (value instanceof List<?> list) {
      json.append('[');
      String separator = "";
      for (Object element : list) {
        json.append(separator);
        writeJson(json, element);
        separator = ",";
      }
      json.append(']');
    } else if (value instanceof byte[] bytes) {
      writeString(json, new String(bytes, StandardCharsets.UTF_8));
    } else if (value.getClass().isRecord()) {
      writeJson(json, components(value));
    } else {
      writeString(json, String.valueOf(value));
    }
  }

  private static void writeString(StringBuilder json, String text) {
    json.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> json.append("\\\"");
        case '\\' -> json.append("\\\\");
        case '\n' -> json.append("\\n");
        case '\r' -> json.append("\\r");
        case '\t' -> json.append("\\t");
        default -> {
          if (c < 0x20) {
            json.append(String.format("\\u%04x", (int) c));
          } else {
            json.append(c);
          }
        }
      }
    }
    json.append('"');
  }

  /** {@code status}'s ready worker nodes per cluster role, e.g. {@code builder 2, indexer 0}. */
  static String workers(Map<?, ?> byRole) {
    return byRole.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
  }

  /** {@code status}'s per-command table: one row per command, latencies in milliseconds. */
  static String commandStats(List<?> commands) {
    StringBuilder table = new StringBuilder(String.format("%-16s %9s %7s %9s %9s %7s %9s %9s %9s %9s%n",
        "command", "requests", "errors", "cancelled", "in-flight", "queued", "p50 ms", "p90 ms", "p99 ms", "max ms"));
    for (Object row : commands) {
      if (row instanceof Map<?, ?> c) {
        table.append(String.format("%-16s %9s %7s %9s %9s %7s %9s %9s %9s %9s%n", c.get("command"),
            c.get("requests"), c.get("errors"), c.get("cancelled"), c.get("in-flight"), c.get("queued"),
            millis(c.get("p50-us")), millis(c.get("p90-us")), millis(c.get("p99-us")), millis(c.get("max-us"))));
      }
    }
    return table.toString();
  }

  /** {@code commands}' table: one row per command. */
  static String commands(List<?> commands) {
    StringBuilder table = new StringBuilder(String.format("%-16s %-48s %s%n", "command", "handler", "payload types"));
    for (Object row : commands) {
      if (row instanceof Map<?, ?> c) {
        String handler = String.valueOf(c.get("class"));
        if (c.get("instances") instanceof Number instances && instances.intValue() > 1) {
          handler += " x" + instances;
        }
        if (c.get("cluster-role") instanceof String role) {
          handler += " @" + role;
        }
        String types = c.get("payload-types") instanceof List<?> list && !list.isEmpty()
            ? list.stream().map(String::valueOf).collect(Collectors.joining(", ")) : "-";
        table.append(String.format("%-16s %-48s %s%n", c.get("command"), handler, types));
      }
    }
    return table.toString();
  }

  private static String millis(Object micros) {
    return micros instanceof Number n ? String.format("%.3f", n.longValue() / 1000.0) : "-";
  }

  /** e.g. {@code 2h 5m 3s}, or {@code 850 ms} under a second. */
  static String duration(long millis) {
    if (millis < 1000) {
      return millis + " ms";
    }
    long seconds = millis / 1000;
    long days = seconds / 86400;
    long hours = seconds / 3600 % 24;
    long minutes = seconds / 60 % 60;
    StringBuilder text = new StringBuilder();
    if (days > 0) {
      text.append(days).append("d ");
    }
    if (days > 0 || hours > 0) {
      text.append(hours).append("h ");
    }
    if (days > 0 || hours > 0 || minutes > 0) {
      text.append(minutes).append("m ");
    }
    return text.append(seconds % 60).append('s').toString();
  }
}
