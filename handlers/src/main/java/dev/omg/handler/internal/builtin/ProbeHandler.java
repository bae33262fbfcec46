package dev.omg.handler.internal.builtin;

import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerRequest;
import dev.omg.protocol.Status;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import scala.concurrent.ExecutionContextExecutor;

/**
 * {@code probe}: a diagnostic command for client authors, off by default (enable it with
 * {@code omg.handlers.probe { class = "dev.omg.handler.internal.builtin.ProbeHandler" }}). It waits, reports progress at
 * a given pace and echoes, so a client can exercise progress, cancel, TIMEOUT and SHUTTING_DOWN without racing.
 *
 * <p>Payload: null (answer at once, payload null) or a map with any of {@code steps} (int or long, 0 to
 * {@value #MAX_STEPS}, default 0), {@code interval-ms} (int or long, 0 to {@value #MAX_INTERVAL_MS}, default 100)
 * and {@code echo} (any value, default null). The handler waits {@code interval-ms}, reports progress
 * {@code {"done": i, "total": steps}} (ints), and repeats for i = 1..steps; then it waits {@code interval-ms}
 * once more and answers OK with {@code echo}. The waits are timers, not a blocked thread, so one actor serves any
 * number of probes at once. After a cancel or the deadline the next timer ends the run.
 */
public final class ProbeHandler extends Handler {
  static final int MAX_STEPS = 10_000;
  static final long MAX_INTERVAL_MS = 600_000;
  private static final Set<String> KEYS = Set.of("steps", "interval-ms", "echo");

  public ProbeHandler(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
    super(context, handlerContext);
  }

  @Override
  protected void handle(HandlerRequest request) {
    Object payload = request.payload();
    if (payload == null) {
      request.reply(null);
      return;
    }
    if (!(payload instanceof Map<?, ?> map) || !KEYS.containsAll(map.keySet())) {
      request.fail(Status.BAD_REQUEST, "'probe' expects null or a map with keys steps, interval-ms and echo, got "
          + describe(payload));
      return;
    }
    Long steps = number(map.get("steps"), 0, 0, MAX_STEPS);
    Long interval = number(map.get("interval-ms"), 100, 0, MAX_INTERVAL_MS);
    if (steps == null || interval == null) {
      request.fail(Status.BAD_REQUEST, "'probe': steps must be 0 to " + MAX_STEPS + " and interval-ms 0 to "
          + MAX_INTERVAL_MS + " (ints or longs), got " + describe(payload));
      return;
    }
    new Run(request, steps.intValue(), Duration.ofMillis(interval), map.get("echo"),
        getContext().getSystem().scheduler(), getContext().getExecutionContext()).next();
  }

  private static Long number(Object value, long absent, long min, long max) {
    if (value == null) {
      return absent;
    }
    if (!(value instanceof Integer || value instanceof Long)) {
      return null;
    }
    long number = ((Number) value).longValue();
    return number < min || number > max ? null : number;
  }

  private static String describe(Object payload) {
    return payload instanceof Map<?, ?> map ? "a map with keys " + map.keySet() : payload.getClass().getSimpleName();
  }

  /** One probe's timers: runs off the actor, as HandlerRequest's reply and progress are safe from any thread. */
  private static final class Run {
    private final HandlerRequest request;
    private final int steps;
    private final Duration interval;
    private final Object echo;
    private final Scheduler scheduler;
    private final ExecutionContextExecutor executor;
    private int done;

    Run(HandlerRequest request, int steps, Duration interval, Object echo, Scheduler scheduler,
        ExecutionContextExecutor executor) {
      this.request = request;
      this.steps = steps;
      this.interval = interval;
      this.echo = echo;
      this.scheduler = scheduler;
      this.executor = executor;
    }

    void next() {
      scheduler.scheduleOnce(interval, this::tick, executor);
    }

    private void tick() {
      // A cancel or deadline marks the request before onCancel runs: the next timer ends the run.
      if (request.isCancelled()) {
        return;
      }
      if (done == steps) {
        request.reply(echo);
        return;
      }
      done++;
      Map<String, Object> event = new LinkedHashMap<>();
      event.put("done", done);
      event.put("total", steps);
      request.progress(event);
      next();
    }
  }
}
