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
    assertEquals(SocketAccess.ownerOnly(), settings.access);
  }

  @Test
  void sharesTheSocketWithTheOneAllowedGroup() {
    TransportSettings settings = TransportSettings.create(OmgConfig.parse("omg.security.allowed-gids = [1234]"));
    assertEquals(SocketAccess.sharedWith(1234), settings.access);
  }

  @Test
  void refusesMoreThanOneAllowedGroupSayingToUseOneSharedGroup() {
    SettingsException e = assertThrows(SettingsException.class,
        () -> TransportSettings.create(OmgConfig.parse("omg.security.allowed-gids = [1235, 1234]")));
    assertEquals("omg.security.allowed-gids: names 2 groups [1234, 1235], but the socket and its directory can "
        + "belong to only one group; use one shared group: groupadd omg, usermod -aG omg USER for each user (as "
        + "root), and set omg.security.allowed-gids = [<the gid of omg>]", e.getMessage());
  }

  @Test
  void refusesAllowedUidsWithoutAGroupSayingHowToShare() {
    SettingsException e = assertThrows(SettingsException.class,
        () -> TransportSettings.create(OmgConfig.parse("omg.security.allowed-uids = [1001]")));
    assertEquals("omg.security.allowed-uids: [1001] cannot take effect without a shared group: the socket's "
        + "directory is 0700, so no other user can reach the socket; share the engine with a group instead: "
        + "groupadd omg, usermod -aG omg USER for each user (as root), and set omg.security.allowed-gids = [<the gid "
        + "of omg>] (the allowed uids must be members of that group)", e.getMessage());
  }

  @Test
  void acceptsAllowedUidsTogetherWithTheSharedGroup() {
    TransportSettings settings = TransportSettings.create(OmgConfig.parse(
        "omg.security { allowed-uids = [1001], allowed-gids = [1234] }"));
    assertEquals(Set.of(1001L), settings.allowedUids);
    assertEquals(SocketAccess.sharedWith(1234), settings.access);
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
