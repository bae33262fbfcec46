package dev.omg.handler.internal.builtin;

import dev.omg.handler.CommandStats;
import dev.omg.handler.EngineInfo;
import dev.omg.handler.EngineStats;
import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * {@code status}: a map of {@code version}, {@code pid}, {@code uptime-ms}, {@code connections},
 * {@code requests-served}, {@code in-flight} (counting this request), {@code queued}, {@code overloaded}, the heap,
 * and {@code commands}: per command, a map of {@code command}, {@code requests}, {@code errors}, {@code cancelled},
 * {@code in-flight}, {@code queued} and the latency percentiles {@code p50-us}, {@code p90-us}, {@code p99-us},
 * {@code max-us}; with clustered commands also {@code workers}: per cluster role, the worker nodes ready to serve.
 */
public final class StatusHandler extends Handler {
  public StatusHandler(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
    super(context, handlerContext);
  }

  @Override
  protected void handle(HandlerRequest request) {
    EngineInfo engine = handlerContext().engine();
    EngineStats stats = engine.stats();
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("version", engine.version());
    status.put("pid", engine.pid());
    status.put("uptime-ms", Duration.between(engine.startedAt(), Instant.now()).toMillis());
    status.put("connections", stats.openConnections());
    status.put("requests-served", stats.requestsServed());
    status.put("in-flight", stats.inFlight());
    status.put("queued", stats.queued());
    status.put("overloaded", stats.overloaded());
    // The engine's own heap: what the reliability tests watch under fuzzing and load.
    Runtime runtime = Runtime.getRuntime();
    status.put("heap-used-bytes", runtime.totalMemory() - runtime.freeMemory());
    status.put("heap-max-bytes", runtime.maxMemory());
    List<Map<String, Object>> commands = new ArrayList<>();
    for (CommandStats command : stats.commands()) {
      Map<String, Object> counters = new LinkedHashMap<>();
      counters.put("command", command.command());
      counters.put("requests", command.requests());
      counters.put("errors", command.errors());
      counters.put("cancelled", command.cancelled());
      counters.put("in-flight", command.inFlight());
      counters.put("queued", command.queued());
      counters.put("p50-us", command.p50Micros());
      counters.put("p90-us", command.p90Micros());
      counters.put("p99-us", command.p99Micros());
      counters.put("max-us", command.maxMicros());
      commands.add(counters);
    }
    status.put("commands", commands);
    if (!stats.workers().isEmpty()) {
      status.put("workers", new LinkedHashMap<>(stats.workers()));
    }
    request.reply(status);
  }
}
