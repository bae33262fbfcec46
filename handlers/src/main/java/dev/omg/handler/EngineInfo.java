package dev.omg.handler;

import java.time.Instant;
import java.util.List;

/**
 * What a handler may know of, and ask of, the engine it runs in; a handler gets it from
 * {@link HandlerContext#engine()}. Implemented by the engine (a handler's own tests implement it with fixed
 * values). Safe to call from any thread; no method blocks: {@link #stats()} folds the latency histograms under a
 * short lock, and {@link #requestShutdown} only starts the shutdown.
 */
public interface EngineInfo {
  /** The engine's release, e.g. {@code 0.1.0}. */
  String version();

  /** When the engine started serving. */
  Instant startedAt();

  /** The engine's process id. */
  long pid();

  /** A consistent-enough snapshot of the counters, taken now. */
  EngineStats stats();

  /** The registered commands, in name order, as configured. */
  default List<CommandInfo> commands() {
    return List.of();
  }

  /** Starts a graceful shutdown: drain in-flight requests, then exit. Returns at once. */
  void requestShutdown(String reason);
}
