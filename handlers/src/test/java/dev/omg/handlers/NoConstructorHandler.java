package dev.omg.handlers;

import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerRequest;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/** A handler whose constructor is not the one the engine calls. */
public final class NoConstructorHandler extends Handler {
  public NoConstructorHandler(ActorContext<HandlerRequest> context, HandlerContext handlerContext, String extra) {
    super(context, handlerContext);
  }

  @Override
  protected void handle(HandlerRequest request) {
    request.reply(null);
  }
}
