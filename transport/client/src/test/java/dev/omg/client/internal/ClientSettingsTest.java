package dev.omg.client.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.omg.config.OmgConfig;
import dev.omg.config.SettingsException;
import dev.omg.transport.SocketAccess;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClientSettingsTest {
  @Test
  void defaultsWithoutHoconAreTheValuesInReferenceConf() {
    assertEquals(ClientSettings.create(OmgConfig.parse("")), ClientSettings.defaults());
  }

  @Test
  void readsAutoStartTimeoutAndLogFromConfig() {
    ClientSettings settings = ClientSettings.create(OmgConfig.parse(
        "omg.client { auto-start = on, start-timeout = 30s, engine-log = \"/var/tmp/omg.log\" }"));
    assertEquals(true, settings.autoStart);
    assertEquals(Duration.ofSeconds(30), settings.startTimeout);
    assertEquals(Path.of("/var/tmp/omg.log"), settings.engineLogFor(Path.of("/run/omg/engine.sock")));
  }

  @Test
  void readsTheSocketPathAndMaxFrameSizeItSharesWithTheEngine() {
    ClientSettings settings = ClientSettings.create(OmgConfig.parse(
        "omg.transport { socket-path = \"/run/omg/e.sock\", max-frame-size = 64 KiB }"));
    assertEquals("/run/omg/e.sock", settings.socketPath);
    assertEquals(65536, settings.maxFrameSize);
  }

  @Test
  void readsTheSharedGroupAutoStartAndDoctorUse() {
    ClientSettings settings = ClientSettings.create(OmgConfig.parse("omg.security.allowed-gids = [1234]"));
    assertEquals(SocketAccess.sharedWith(1234), settings.access);
  }

  @Test
  void rejectsAllowedUidsWithoutAGroupNamingTheKey() {
    SettingsException e = assertThrows(SettingsException.class,
        () -> ClientSettings.create(OmgConfig.parse("omg.security.allowed-uids = [1001]")));
    assertEquals("omg.security.allowed-uids", e.key());
  }

  @Test
  void rejectsAMaxFrameSizeOver64MiBNamingTheKey() {
    SettingsException e = assertThrows(SettingsException.class,
        () -> ClientSettings.create(OmgConfig.parse("omg.transport.max-frame-size = 65 MiB")));
    assertEquals("omg.transport.max-frame-size", e.key());
  }

  @Test
  void putsTheEngineLogNextToTheSocketByDefault() {
    assertEquals(Path.of("/run/omg/engine.log"), ClientSettings.defaults().engineLogFor(Path.of("/run/omg/engine.sock")));
    assertEquals(Path.of("/run/omg/custom.log"), ClientSettings.defaults().engineLogFor(Path.of("/run/omg/custom")));
  }

  @Test
  void rejectsANonPositiveStartTimeoutNamingTheKey() {
    SettingsException e = assertThrows(SettingsException.class,
        () -> ClientSettings.create(OmgConfig.parse("omg.client.start-timeout = 0s")));
    assertEquals("omg.client.start-timeout: must be a positive duration, got 0s", e.getMessage());
  }

  @Test
  void rejectsARelativeEngineLogNamingTheKey() {
    SettingsException e = assertThrows(SettingsException.class,
        () -> ClientSettings.create(OmgConfig.parse("omg.client.engine-log = \"engine.log\"")));
    assertEquals("omg.client.engine-log: must be an absolute path or \"\", got \"engine.log\"", e.getMessage());
  }

  @Test
  void rejectsAnAutoStartThatIsNotOnOrOffNamingTheKey() {
    SettingsException e = assertThrows(SettingsException.class,
        () -> ClientSettings.create(OmgConfig.parse("omg.client.auto-start = sometimes")));
    assertEquals("omg.client.auto-start", e.key());
  }
}
