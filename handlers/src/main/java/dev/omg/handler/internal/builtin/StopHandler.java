package dev.omg.handler.internal.builtin;

import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerRequest;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * {@code stop}: answers {@code stopping}, then starts a graceful shutdown. The reply goes out before the engine
 * stops accepting, as in-flight requests (this one included) are drained.
 */
public final class StopHandler extends Handler {
  public StopHandler(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
    super(context, handlerContext);
  }

  @Override
  protected void handle(HandlerRequest request) {
    request.reply("stopping");
    handlerContext().engine().requestShutdown("stop requested (request " + request.id() + ")");
  }
}
