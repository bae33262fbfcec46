package dev.omg.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.omg.config.OmgConfig;
import dev.omg.config.SettingsException;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TransportSettingsTest {
  @Test
  void readsTheDocumentedDefaults() {
    TransportSettings settings = TransportSettings.create(OmgConfig.parse(""));
    assertEquals("", settings.socketPath);
    assertEquals(1 << 20, settings.maxFrameSize);
    assertEquals(64 << 10, settings.readBufferSize);
    assertEquals(256 << 10, settings.writeBatchSize);
    assertEquals(1024, settings.ioMaxThreads);
    assertEquals(Duration.ofSeconds(60), settings.ioKeepAlive);
    assertEquals(Set.of(), settings.allowedUids);
  }

  @Test
  void rejectsAFrameLimitBelowSixtyFourBytesNamingTheKey() {
    SettingsException e = assertThrows(SettingsException.class,
        () -> TransportSettings.create(OmgConfig.parse("omg.transport.max-frame-size = 10")));
    assertEquals("omg.transport.max-frame-size", e.key());
  }

  @Test
  void rejectsTooFewIoThreadsNamingTheKey() {
    SettingsException e = assertThrows(SettingsException.class, () -> TransportSettings.create(
        OmgConfig.parse("omg.transport.io-dispatcher.blocking-io-executor.max-threads = 2")));
    assertEquals("omg.transport.io-dispatcher.blocking-io-executor.max-threads", e.key());
  }

  @Test
  void rejectsANegativeAllowedUid() {
    SettingsException e = assertThrows(SettingsException.class,
        () -> TransportSettings.create(OmgConfig.parse("omg.security.allowed-uids = [-1]")));
    assertEquals("omg.security.allowed-uids: ids must be non-negative, got -1", e.getMessage());
  }
}
