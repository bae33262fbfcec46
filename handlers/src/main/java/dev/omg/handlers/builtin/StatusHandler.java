package dev.omg.handlers.builtin;

import dev.omg.handler.EngineInfo;
import dev.omg.handler.EngineStats;
import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * {@code status}: a map of {@code version}, {@code pid}, {@code uptime-ms}, {@code connections},
 * {@code requests-served} and {@code in-flight} (counting this request).
 */
public final class StatusHandler extends Handler {
  public StatusHandler(ActorContext<HandlerRequest> context, HandlerContext handlerContext) {
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
    status.put("overloaded", stats.overloaded());
    // The engine's own heap: what the reliability tests watch under fuzzing and load.
    Runtime runtime = Runtime.getRuntime();
    status.put("heap-used-bytes", runtime.totalMemory() - runtime.freeMemory());
    status.put("heap-max-bytes", runtime.maxMemory());
    request.reply(status);
  }
}
