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
    assertEquals(1, settings.selectorThreads);
    assertEquals(1024, settings.maxConnections);
    assertEquals(128, settings.backlog);
    assertEquals(Duration.ofMillis(100), settings.acceptBackoff);
    assertEquals(4L << 20, settings.maxUnansweredBytesPerConnection);
    assertEquals(32L << 20, settings.maxUnansweredBytes);
    assertEquals(Set.of(), settings.allowedUids);
  }

  @Test
  void rejectsAFrameLimitBelowSixtyFourBytesNamingTheKey() {
    SettingsException e = assertThrows(SettingsException.class,
        () -> TransportSettings.create(OmgConfig.parse("omg.transport.max-frame-size = 10")));
    assertEquals("omg.transport.max-frame-size", e.key());
  }

  @Test
  void rejectsNoSelectorThreadNamingTheKey() {
    SettingsException e = assertThrows(SettingsException.class, () -> TransportSettings.create(
        OmgConfig.parse("omg.transport.selector-threads = 0")));
    assertEquals("omg.transport.selector-threads: must be between 1 and 64, got 0", e.getMessage());
  }

  @Test
  void rejectsAConnectionByteBoundBelowOneFrameNamingTheKey() {
    SettingsException e = assertThrows(SettingsException.class, () -> TransportSettings.create(
        OmgConfig.parse("omg.transport.max-unanswered-bytes-per-connection = 64 KiB")));
    assertEquals("omg.transport.max-unanswered-bytes-per-connection", e.key());
  }

  @Test
  void rejectsAnEngineByteBoundBelowOneConnectionsNamingTheKey() {
    SettingsException e = assertThrows(SettingsException.class, () -> TransportSettings.create(
        OmgConfig.parse("omg.transport.max-unanswered-bytes = 1 MiB")));
    assertEquals("omg.transport.max-unanswered-bytes", e.key());
  }

  @Test
  void rejectsANegativeAllowedUid() {
    SettingsException e = assertThrows(SettingsException.class,
        () -> TransportSettings.create(OmgConfig.parse("omg.security.allowed-uids = [-1]")));
    assertEquals("omg.security.allowed-uids: ids must be non-negative, got -1", e.getMessage());
  }
}
