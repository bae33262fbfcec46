package dev.omg.routing.cluster;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * INTERNAL API. A short hash of a node's payload registration ({@code omg.serialization.register}: id to class
 * name, in id order). Two nodes with the same fingerprint encode every payload alike; a worker whose fingerprint
 * differs from the engine's would decode payloads as other classes, so the engine never routes to it.
 */
public final class RegistrationFingerprint {
  private RegistrationFingerprint() {}

  /** The first 16 hex digits of the SHA-256 of the lines {@code id=class name}, in id order. */
  public static String of(Map<Integer, Class<?>> userTypes) {
    StringBuilder lines = new StringBuilder();
    new TreeMap<>(userTypes).forEach((id, type) -> lines.append(id).append('=').append(type.getName()).append('\n'));
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(lines.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
