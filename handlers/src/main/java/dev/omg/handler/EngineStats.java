package dev.omg.handler;

/**
 * The engine's counters at one moment.
 *
 * @param openConnections connections open now
 * @param requestsServed requests answered since start, whatever their status
 * @param inFlight requests dispatched to handlers and not yet answered
 * @param overloaded requests answered OVERLOADED since start (counted in requestsServed too)
 */
public record EngineStats(long openConnections, long requestsServed, long inFlight, long overloaded) {}
