package dev.omg.handler.internal;

import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerRequest;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/** A handler whose constructor is not the one the engine calls. */
public final class NoConstructorHandler extends Handler {
  public NoConstructorHandler(ActorContext<HandlerMessage> context, HandlerContext handlerContext, String extra) {
    super(context, handlerContext);
  }

  @Override
  protected void handle(HandlerRequest request) {
    request.reply(null);
  }
}
