package dev.omg.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * INTERNAL API. The JVM options a started engine ({@code serve}) needs to run without JVM warnings, for the
 * JVM that will run it. {@code java -jar omg-engine.jar} gets native access from the jar's manifest
 * ({@code Enable-Native-Access}); a {@code -cp} start such as auto-start's does not, so it passes the option.
 */
final class EngineJvmOptions {
  /** The first Java release that knows {@code --sun-misc-unsafe-memory-access} (JEP 471); older ones refuse it. */
  static final int UNSAFE_SWITCH_SINCE = 23;

  private EngineJvmOptions() {}

  /** For a JVM of release {@code feature} (e.g. 17, 25). */
  static List<String> forServe(int feature) {
    List<String> options = new ArrayList<>();
    // junixsocket loads its native library; Java 17 accepts the option, Java 24+ warns without it.
    options.add("--enable-native-access=ALL-UNNAMED");
    if (feature >= UNSAFE_SWITCH_SINCE) {
      // Pekko's actors use sun.misc.Unsafe (org.apache.pekko.util.Unsafe); Java 24+ warns at its first use.
      options.add("--sun-misc-unsafe-memory-access=allow");
    }
    return options;
  }
}
