package dev.omg.handler.internal.builtin;

import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerRequest;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/** {@code ping}: answers {@code pong omg-engine/<version>}, whatever the payload. */
public final class PingHandler extends Handler {
  private final String pong;

  public PingHandler(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
    super(context, handlerContext);
    this.pong = "pong omg-engine/" + handlerContext.engine().version();
  }

  @Override
  protected void handle(HandlerRequest request) {
    request.reply(pong);
  }
}
