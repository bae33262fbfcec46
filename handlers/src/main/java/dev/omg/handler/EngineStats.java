package dev.omg.handler;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The engine's counters at one moment, as {@link EngineInfo#stats()} took them: what {@code status} shows. An
 * immutable value, safe to read from any thread.
 *
 * @param openConnections connections open now
 * @param requestsServed requests answered since start, whatever their status
 * @param inFlight requests dispatched and not yet answered: what a drain waits for
 * @param queued requests sent to a handler actor that has not yet taken them off its mailbox, answered or not (a
 *     request that timed out behind a handler blocking its thread stays here, and in its handler's
 *     {@code max-queued}, until the handler gets to it)
 * @param overloaded requests answered OVERLOADED since start (counted in requestsServed too)
 * @param commands each configured command's own counters, in name order
 * @param workers per cluster role of a clustered command, in name order: the worker nodes ready to serve it;
 *     empty when no command is clustered
 */
public record EngineStats(long openConnections, long requestsServed, long inFlight, long queued, long overloaded,
    List<CommandStats> commands, Map<String, Integer> workers) {
  public EngineStats {
    commands = List.copyOf(commands);
    workers = Collections.unmodifiableMap(new TreeMap<>(workers));
  }

  /** Counters of an engine without clustered commands. */
  public EngineStats(long openConnections, long requestsServed, long inFlight, long queued, long overloaded,
      List<CommandStats> commands) {
    this(openConnections, requestsServed, inFlight, queued, overloaded, commands, Map.of());
  }

  /** Counters without per-command detail. */
  public EngineStats(long openConnections, long requestsServed, long inFlight, long queued, long overloaded) {
    this(openConnections, requestsServed, inFlight, queued, overloaded, List.of());
  }
}
