package dev.omg.engine;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** How the CLI shows payloads to a person: strings as they are, lists a line each, maps as key: value lines. */
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
    return String.valueOf(payload);
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
