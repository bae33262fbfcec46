package dev.omg.handler;

/**
 * One command's counters since the engine started. Latencies run from dispatch to the final reply, whatever its
 * status, in microseconds (HdrHistogram, 3 significant digits); 0 before the first reply. A snapshot taken by
 * {@link EngineInfo#stats()}: an immutable value, safe to read from any thread.
 *
 * @param command the command name
 * @param requests requests answered, whatever their status
 * @param errors of those, answered with a status other than OK or CANCELLED
 * @param cancelled of those, answered CANCELLED
 * @param inFlight requests dispatched and not yet answered
 * @param queued requests in the handler actor's mailbox (or on their way to it), answered or not; with
 *     {@code inFlight} they count against the handler's {@code max-queued}
 * @param p50Micros median latency
 * @param p90Micros 90th percentile latency
 * @param p99Micros 99th percentile latency
 * @param maxMicros highest latency
 */
public record CommandStats(String command, long requests, long errors, long cancelled, long inFlight,
    long queued, long p50Micros, long p90Micros, long p99Micros, long maxMicros) {}
