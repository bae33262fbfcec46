package dev.omg.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OmgConfigTest {
  @TempDir
  Path dir;

  @Test
  void loadsTheReferenceDefaultsWithoutAUserFile() {
    Config config = OmgConfig.load(Optional.empty());
    assertTrue(config.getBoolean("omg.config.strict"));
  }

  @Test
  void userFileOverridesTheDefaults() throws IOException {
    Path file = dir.resolve("engine.conf");
    Files.writeString(file, "omg.config.strict = off\n");
    assertFalse(OmgConfig.load(Optional.of(file)).getBoolean("omg.config.strict"));
  }

  @Test
  void rejectsAMissingUserFile() {
    SettingsException e = assertThrows(SettingsException.class,
        () -> OmgConfig.load(Optional.of(dir.resolve("absent.conf"))));
    assertEquals("--config: no such file: " + dir.resolve("absent.conf"), e.getMessage());
  }

  @Test
  void rejectsAnUnknownKeyNamingItsFileAndLine() throws IOException {
    Path file = dir.resolve("typo.conf");
    Files.writeString(file, "# comment\nomg.config.strikt = on\n");
    SettingsException e = assertThrows(SettingsException.class, () -> OmgConfig.load(Optional.of(file)));
    assertEquals("omg.config.strikt", e.key());
    assertEquals("omg.config.strikt: unknown setting omg.config.strikt (" + file + ":2); no module defines it"
        + " (set omg.config.strict = off to allow)", e.getMessage());
  }

  @Test
  void loadsAFileWrittenForTheEngineForAClientWithoutCheckingKeysItDoesNotKnow() throws IOException {
    Path file = dir.resolve("engine.conf");
    Files.writeString(file, "omg.engine-only.setting = 5\n");
    assertEquals(5, OmgConfig.loadForClient(Optional.of(file)).getInt("omg.engine-only.setting"));
  }

  @Test
  void allowsAnyKeyUnderAnOpenPath() {
    Config config = OmgConfig.parse("omg.config.open-paths = [\"omg.custom\"]\nomg.custom.anything = 1");
    assertEquals(1, config.getInt("omg.custom.anything"));
  }

  @Test
  void allowsUnknownKeysWhenStrictIsOff() {
    Config config = OmgConfig.parse("omg.config.strict = off\nomg.nonsense = 1");
    assertEquals(1, config.getInt("omg.nonsense"));
  }

  @Test
  void leavesKeysOutsideOmgToTheirLibraries() {
    assertEquals("x", OmgConfig.parse("pekko.some-library-key = x").getString("pekko.some-library-key"));
  }

  @Test
  void readsAPositiveDuration() {
    Config config = OmgConfig.parse("omg.config.strict = off\nomg.t = 250ms");
    assertEquals(Duration.ofMillis(250), Settings.positiveDuration(config, "omg.t"));
  }

  @Test
  void rejectsANonPositiveDurationNamingTheKey() {
    Config config = OmgConfig.parse("omg.config.strict = off\nomg.t = -1s");
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.positiveDuration(config, "omg.t"));
    assertEquals("omg.t: must be a positive duration, got -1s", e.getMessage());
  }

  @Test
  void rejectsAValueOfTheWrongTypeNamingTheKey() {
    Config config = OmgConfig.parse("omg.config.strict = off\nomg.n = lots");
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.intInRange(config, "omg.n", 1, 9));
    assertEquals("omg.n", e.key());
    assertTrue(e.getMessage().startsWith("omg.n: "), e.getMessage());
    assertTrue(e.getMessage().contains("lots"), e.getMessage());
  }

  @Test
  void rejectsANumberOutOfRangeNamingTheKeyAndTheRange() {
    Config config = OmgConfig.parse("omg.config.strict = off\nomg.n = 0");
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.intInRange(config, "omg.n", 1, 9));
    assertEquals("omg.n: must be between 1 and 9, got 0", e.getMessage());
  }

  @Test
  void rejectsAMissingKey() {
    Config config = OmgConfig.parse("");
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.string(config, "omg.absent"));
    assertEquals("omg.absent: is missing", e.getMessage());
  }

  @Test
  void rejectsBytesOutOfRange() {
    Config config = OmgConfig.parse("omg.config.strict = off\nomg.b = 2 MiB");
    SettingsException e = assertThrows(SettingsException.class, () -> Settings.bytes(config, "omg.b", 1, 1024));
    assertEquals("omg.b: must be between 1 and 1024 bytes, got 2097152", e.getMessage());
  }

  @Test
  void knowsItsOwnVersion() {
    assertTrue(Version.get().matches("\\d+\\.\\d+\\.\\d+.*"), Version.get());
  }
}
