package dev.omg.handler.internal.builtin;

import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerRequest;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/** {@code echo}: answers with the payload it was sent. */
public final class EchoHandler extends Handler {
  public EchoHandler(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
    super(context, handlerContext);
  }

  @Override
  protected void handle(HandlerRequest request) {
    request.reply(request.payload());
  }
}
