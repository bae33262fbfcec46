package dev.omg.config;

/**
 * A setting is missing, malformed or out of range. The message always names the key, so a user can fix
 * their file without reading code.
 */
public final class SettingsException extends RuntimeException {
  private final String key;

  public SettingsException(String key, String problem) {
    super(key + ": " + problem);
    this.key = key;
  }

  public SettingsException(String key, String problem, Throwable cause) {
    super(key + ": " + problem, cause);
    this.key = key;
  }

  /** The full path of the offending key, e.g. {@code omg.routing.request-timeout}. */
  public String key() {
    return key;
  }
}
