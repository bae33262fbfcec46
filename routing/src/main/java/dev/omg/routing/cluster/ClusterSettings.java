package dev.omg.routing.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.omg.config.Settings;
import dev.omg.config.SettingsException;
import dev.omg.transport.TransportSettings;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * INTERNAL API. The typed, validated {@code omg.cluster} settings, and the Pekko configuration a cluster node (the
 * engine, or a worker) runs with: cluster provider, Artery on {@code hostname}, seed nodes, roles, the split brain
 * resolver, the failure detector, no Java serialization, and {@link ClusterSerializer} for the messages between
 * nodes.
 */
public final class ClusterSettings {
  /** The actor system's name on every node: cluster nodes must share it. */
  public static final String SYSTEM_NAME = "omg-engine";
  /** The engine's own role; the split brain resolver keeps the side that holds it. */
  public static final String ENGINE_ROLE = "engine";
  /**
   * Where the engine jar keeps the remote and cluster jars' own reference.conf, out of its merged one so that an
   * engine without clustered commands does not parse them at every start (engine/pom.xml); absent, as in the
   * modules' tests, these come from the class path's reference.conf files as usual.
   */
  private static final List<String> CLUSTER_REFERENCES = List.of("pekko-remote", "pekko-cluster",
      "pekko-cluster-typed", "pekko-cluster-tools", "pekko-distributed-data", "pekko-coordination");
  private static final Pattern HOST_PORT = Pattern.compile("([^:/@]+|\\[[0-9a-fA-F:]+\\]):(\\d{1,5})");
  private static final Pattern ADDRESS = Pattern.compile("pekko://" + Pattern.quote(SYSTEM_NAME) + "@"
      + HOST_PORT.pattern());

  public final String hostname;
  public final int port;
  public final int workerPort;
  /** Full addresses, pekko://omg-engine@host:port; empty for the engine's own address. */
  public final List<String> seedNodes;
  public final boolean allowInsecureRemote;
  public final Duration unavailableRetryAfter;
  public final Duration heartbeatInterval;
  public final Duration acceptableHeartbeatPause;
  public final Duration splitBrainStableAfter;
  /** Artery's transport: tcp, or tls-tcp. */
  public final String transport;
  public final int maxFrameSize;

  private ClusterSettings(Config config) {
    hostname = Settings.nonEmptyString(config, "omg.cluster.hostname");
    port = Settings.intInRange(config, "omg.cluster.port", 0, 65535);
    workerPort = Settings.intInRange(config, "omg.cluster.worker-port", 0, 65535);
    List<String> seeds = new ArrayList<>();
    for (String seed : Settings.stringList(config, "omg.cluster.seed-nodes")) {
      seeds.add(address(seed, "omg.cluster.seed-nodes"));
    }
    seedNodes = List.copyOf(seeds);
    allowInsecureRemote = Settings.bool(config, "omg.cluster.allow-insecure-remote");
    unavailableRetryAfter = Settings.positiveDuration(config, "omg.cluster.unavailable-retry-after");
    heartbeatInterval = Settings.positiveDuration(config, "omg.cluster.heartbeat-interval");
    acceptableHeartbeatPause = Settings.positiveDuration(config, "omg.cluster.acceptable-heartbeat-pause");
    splitBrainStableAfter = Settings.positiveDuration(config, "omg.cluster.split-brain-stable-after");
    transport = config.hasPath("pekko.remote.artery.transport")
        ? config.getString("pekko.remote.artery.transport") : "tcp";
    maxFrameSize = TransportSettings.create(config).maxFrameSize;
    if (!allowInsecureRemote && !transport.equals("tls-tcp") && !isLoopback(hostname)) {
      throw new SettingsException("omg.cluster.hostname", "'" + hostname + "' is not a loopback address, and"
          + " the cluster would run without TLS: anyone reaching the port could join it. Turn on Artery's TLS"
          + " (pekko.remote.artery.transport = tls-tcp with its ssl settings, see docs/cluster.md), or set"
          + " omg.cluster.allow-insecure-remote = on to accept that");
    }
  }

  public static ClusterSettings create(Config config) {
    return new ClusterSettings(config);
  }

  /**
   * {@code config} with the command line's overrides: {@code --cluster-port} (the engine's port, or the worker's
   * with {@code worker}) and {@code --seed HOST:PORT}s.
   */
  public static Config withOverrides(Config config, boolean worker, Integer clusterPort, List<String> seeds) {
    Map<String, Object> overrides = new HashMap<>();
    if (clusterPort != null) {
      overrides.put(worker ? "omg.cluster.worker-port" : "omg.cluster.port", clusterPort);
    }
    if (!seeds.isEmpty()) {
      overrides.put("omg.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds));
    }
    return ConfigFactory.parseMap(overrides, "command line").withFallback(config);
  }

  /** The engine's address as a worker's default seed: pekko://omg-engine@hostname:port. */
  public String engineAddress() {
    return "pekko://" + SYSTEM_NAME + "@" + hostname + ":" + port;
  }

  /**
   * The Pekko configuration of a cluster node, over {@code config}: the engine (role "engine", on {@link #port})
   * or a worker (its {@code roles}, on {@link #workerPort}).
   */
  public Config nodeConfig(Config config, boolean worker, List<String> roles) {
    // An engine with no seeds founds the cluster by joining itself once bound (ClusterRouting.joinCluster), so
    // that it works on port 0 too; a worker with none joins the engine at its configured address.
    List<String> seeds = !seedNodes.isEmpty() ? seedNodes : worker ? List.of(engineAddress()) : List.of();
    List<String> allRoles = new ArrayList<>(roles);
    if (!worker) {
      allRoles.add(ENGINE_ROLE);
    }
    Map<String, Object> node = new HashMap<>();
    node.put("pekko.actor.provider", "cluster");
    node.put("pekko.remote.artery.canonical.hostname", hostname);
    node.put("pekko.remote.artery.canonical.port", worker ? workerPort : port);
    node.put("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds));
    node.put("pekko.cluster.roles", ConfigValueFactory.fromIterable(allRoles));
    node.put("pekko.cluster.failure-detector.heartbeat-interval", heartbeatInterval.toMillis() + "ms");
    node.put("pekko.cluster.failure-detector.acceptable-heartbeat-pause",
        acceptableHeartbeatPause.toMillis() + "ms");
    node.put("pekko.cluster.split-brain-resolver.stable-after", splitBrainStableAfter.toMillis() + "ms");
    // A message carries at most one frame's payload plus its refs and ids.
    node.put("pekko.remote.artery.advanced.maximum-frame-size", (maxFrameSize + 16 * 1024) + "b");
    Config nodeConfig = ConfigFactory.parseMap(node, "omg.cluster")
        .withFallback(ConfigFactory.parseResources(ClusterSettings.class, "cluster.conf"))
        .withFallback(config);
    for (String module : CLUSTER_REFERENCES) {
      nodeConfig = nodeConfig.withFallback(ConfigFactory.parseResources(ClusterSettings.class.getClassLoader(),
          "dev/omg/cluster-reference/" + module + "/reference.conf"));
    }
    return nodeConfig.resolve();
  }

  /** A seed as a full address: "host:port" gets the system's name, a full address must name it. */
  private static String address(String seed, String key) {
    if (HOST_PORT.matcher(seed).matches()) {
      return "pekko://" + SYSTEM_NAME + "@" + seed;
    }
    Matcher full = ADDRESS.matcher(seed);
    if (full.matches()) {
      return seed;
    }
    throw new SettingsException(key, "a seed node is host:port or pekko://" + SYSTEM_NAME + "@host:port, got '"
        + seed + "'");
  }

  private static boolean isLoopback(String hostname) {
    try {
      return InetAddress.getByName(hostname).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new SettingsException("omg.cluster.hostname", "unknown host '" + hostname + "'", e);
    }
  }
}
