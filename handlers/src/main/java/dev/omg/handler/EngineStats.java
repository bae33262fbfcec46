package dev.omg.handler;

import java.util.List;

/**
 * The engine's counters at one moment.
 *
 * @param openConnections connections open now
 * @param requestsServed requests answered since start, whatever their status
 * @param inFlight requests dispatched to handlers and not yet answered
 * @param overloaded requests answered OVERLOADED since start (counted in requestsServed too)
 * @param commands each configured command's own counters, in name order
 */
public record EngineStats(long openConnections, long requestsServed, long inFlight, long overloaded,
    List<CommandStats> commands) {
  public EngineStats {
    commands = List.copyOf(commands);
  }

  /** Counters without per-command detail. */
  public EngineStats(long openConnections, long requestsServed, long inFlight, long overloaded) {
    this(openConnections, requestsServed, inFlight, overloaded, List.of());
  }
}
