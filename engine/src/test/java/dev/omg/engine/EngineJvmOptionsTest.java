package dev.omg.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class EngineJvmOptionsTest {
  @Test
  void java17GetsNativeAccessOnlyAsItRefusesTheUnsafeSwitch() {
    assertEquals(List.of("--enable-native-access=ALL-UNNAMED"), EngineJvmOptions.forServe(17));
  }

  @Test
  void java25AlsoAllowsPekkosUnsafeUseSoThatItPrintsNoWarning() {
    assertEquals(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"),
        EngineJvmOptions.forServe(25));
  }
}
