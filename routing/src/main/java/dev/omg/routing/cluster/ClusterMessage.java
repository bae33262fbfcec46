package dev.omg.routing.cluster;

/**
 * INTERNAL API. The messages that cross between cluster nodes, engine and workers: {@link ClusterSerializer}
 * serializes every one of them (pekko.actor.serialization-bindings), so none ever falls back to Java serialization.
 */
public interface ClusterMessage {}
