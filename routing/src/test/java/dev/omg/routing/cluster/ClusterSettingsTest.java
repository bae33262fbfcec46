package dev.omg.routing.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.Config;
import dev.omg.config.OmgConfig;
import dev.omg.config.SettingsException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** omg.cluster, and the Pekko configuration of an engine node and of a worker node made from it. */
class ClusterSettingsTest {
  @Test
  void theEngineFoundsTheClusterOnLoopbackAndWorkersJoinItsAddress() {
    Config config = OmgConfig.parse("");
    ClusterSettings settings = ClusterSettings.create(config);
    Config engine = settings.nodeConfig(config, false, List.of());
    Config worker = settings.nodeConfig(config, true, List.of("builder"));
    assertEquals(List.of("cluster", "127.0.0.1", 25520, List.of(), List.of("engine")),
        List.of(engine.getString("pekko.actor.provider"), engine.getString("pekko.remote.artery.canonical.hostname"),
            engine.getInt("pekko.remote.artery.canonical.port"), engine.getStringList("pekko.cluster.seed-nodes"),
            engine.getStringList("pekko.cluster.roles")));
    assertEquals(List.of(0, List.of("pekko://omg-engine@127.0.0.1:25520"), List.of("builder")),
        List.of(worker.getInt("pekko.remote.artery.canonical.port"), worker.getStringList("pekko.cluster.seed-nodes"),
            worker.getStringList("pekko.cluster.roles")));
  }

  @Test
  void everyNodeRunsWithoutJavaSerializationAndKeepsTheEngineSideInASplit() {
    Config config = OmgConfig.parse("");
    Config node = ClusterSettings.create(config).nodeConfig(config, true, List.of("builder"));
    assertEquals(List.of(false, "keep-oldest", "engine", false, "500ms", "2000ms", "5000ms"),
        List.of(node.getBoolean("pekko.actor.allow-java-serialization"),
            node.getString("pekko.cluster.split-brain-resolver.active-strategy"),
            node.getString("pekko.cluster.split-brain-resolver.keep-oldest.role"),
            node.getBoolean("pekko.cluster.split-brain-resolver.keep-oldest.down-if-alone"),
            node.getString("pekko.cluster.failure-detector.heartbeat-interval"),
            node.getString("pekko.cluster.failure-detector.acceptable-heartbeat-pause"),
            node.getString("pekko.cluster.split-brain-resolver.stable-after")));
  }

  @Test
  void theCommandLineSetsThePortAndTheSeeds() {
    Config config = ClusterSettings.withOverrides(OmgConfig.parse(""), true, 25600, List.of("127.0.0.1:25601"));
    ClusterSettings settings = ClusterSettings.create(config);
    assertEquals(List.of(25520, 25600, List.of("pekko://omg-engine@127.0.0.1:25601")),
        List.of(settings.port, settings.workerPort, settings.seedNodes));
  }

  @Test
  void refusesANonLoopbackAddressWithoutTls() {
    SettingsException e = assertThrows(SettingsException.class,
        () -> ClusterSettings.create(OmgConfig.parse("omg.cluster.hostname = \"192.0.2.10\"")));
    assertEquals("omg.cluster.hostname: '192.0.2.10' is not a loopback address, and the cluster would run without"
        + " TLS: anyone reaching the port could join it. Turn on Artery's TLS (pekko.remote.artery.transport ="
        + " tls-tcp with its ssl settings, see docs/cluster.md), or set omg.cluster.allow-insecure-remote = on to"
        + " accept that", e.getMessage());
  }

  @Test
  void acceptsANonLoopbackAddressWithTlsOrWhenToldTo() {
    assertEquals("192.0.2.10", ClusterSettings.create(OmgConfig.parse("""
        omg.cluster.hostname = "192.0.2.10"
        pekko.remote.artery.transport = tls-tcp
        """)).hostname);
    assertEquals("192.0.2.10", ClusterSettings.create(OmgConfig.parse("""
        omg.cluster.hostname = "192.0.2.10"
        omg.cluster.allow-insecure-remote = on
        """)).hostname);
  }

  @Test
  void refusesASeedThatIsNoAddress() {
    SettingsException e = assertThrows(SettingsException.class,
        () -> ClusterSettings.create(OmgConfig.parse("omg.cluster.seed-nodes = [\"pekko://other@h:1\"]")));
    assertEquals("omg.cluster.seed-nodes: a seed node is host:port or pekko://omg-engine@host:port, got"
        + " 'pekko://other@h:1'", e.getMessage());
  }
}
