package dev.omg.it.handlers;

import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerRequest;
import java.time.Duration;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * {@code node}: answers {@code "<pid> <payload>"} after {@code delay}, so a test sees which process served each
 * request, and a steady load keeps requests in flight on every worker. Runs on the cluster's worker nodes (the
 * system tests put this package on their classpath). The delay is a timer, not a sleep: one actor holds many
 * requests at once.
 */
public final class NodeHandler extends Handler {
  private static final long PID = ProcessHandle.current().pid();
  private final Duration delay;

  public NodeHandler(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
    super(context, handlerContext);
    this.delay = handlerContext.config().hasPath("delay")
        ? handlerContext.config().getDuration("delay") : Duration.ZERO;
  }

  @Override
  protected void handle(HandlerRequest request) {
    String answer = PID + " " + request.payload();
    if (delay.isZero()) {
      request.reply(answer);
      return;
    }
    var system = getContext().getSystem();
    system.scheduler().scheduleOnce(delay, () -> request.reply(answer), system.executionContext());
  }
}
