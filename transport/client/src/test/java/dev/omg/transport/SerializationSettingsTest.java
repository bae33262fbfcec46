package dev.omg.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.omg.config.OmgConfig;
import dev.omg.config.SettingsException;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SerializationSettingsTest {
  private static SerializationSettings load(String hocon) {
    return SerializationSettings.create(OmgConfig.parse(hocon), SerializationSettingsTest.class.getClassLoader());
  }

  private static String failure(String hocon) {
    return assertThrows(SettingsException.class, () -> load(hocon)).getMessage();
  }

  @Test
  void registersNoApplicationTypesByDefault() {
    assertEquals(Map.of(), load("").userTypes);
  }

  @Test
  void registersEachClassUnderItsId() {
    assertEquals(Map.of(100, java.time.Duration.class, 101, java.util.UUID.class),
        load("omg.serialization.register { 100 = \"java.time.Duration\", 101 = \"java.util.UUID\" }").userTypes);
  }

  @Test
  void rejectsAMissingClassNamingTheKeyAndTheClass() {
    assertEquals("omg.serialization.register.\"100\": class com.example.InstallRequest is not on the classpath",
        failure("omg.serialization.register { 100 = \"com.example.InstallRequest\" }"));
  }

  @Test
  void rejectsAClassRegisteredTwiceNamingBothIds() {
    assertEquals("omg.serialization.register.\"101\": java.util.UUID is registered twice, as 100 and 101",
        failure("omg.serialization.register { 100 = \"java.util.UUID\", 101 = \"java.util.UUID\" }"));
  }

  @Test
  void rejectsAnIdTheProtocolOwns() {
    assertEquals("omg.serialization.register.\"13\": registration ids are numbers from 100 to 1000000 (0-99 belong"
        + " to the protocol), got 13", failure("omg.serialization.register { 13 = \"java.util.UUID\" }"));
  }

  @Test
  void rejectsAStandardTypeUnderAnotherId() {
    assertEquals("omg.serialization.register.\"100\": java.lang.String is a standard type with its own fixed id;"
        + " remove it", failure("omg.serialization.register { 100 = \"java.lang.String\" }"));
  }
}
