package dev.omg.handler;

import java.time.Duration;
import java.util.List;

/**
 * One registered command, as configured: what {@code commands} lists, and {@link EngineInfo#commands()} returns to
 * a handler. An immutable value, safe to read from any thread.
 *
 * @param command the command name
 * @param handlerClass the handler's class name
 * @param instances how many handler actors serve it (a pool when more than one)
 * @param dispatcher the Pekko dispatcher its actors run on; empty for the default
 * @param timeout how long a request may take before the client gets TIMEOUT
 * @param maxQueued requests it may have waiting or in service before more are answered OVERLOADED
 * @param payloadTypes the payload types it accepts, as declared in its {@code payload-types}
 * @param clusterRole the cluster role of the worker nodes that serve it; empty when this engine serves it
 */
public record CommandInfo(String command, String handlerClass, int instances, String dispatcher, Duration timeout,
    int maxQueued, List<String> payloadTypes, String clusterRole) {
  public CommandInfo {
    payloadTypes = List.copyOf(payloadTypes);
  }

  /** A command this engine serves itself. */
  public CommandInfo(String command, String handlerClass, int instances, String dispatcher, Duration timeout,
      int maxQueued, List<String> payloadTypes) {
    this(command, handlerClass, instances, dispatcher, timeout, maxQueued, payloadTypes, "");
  }
}
