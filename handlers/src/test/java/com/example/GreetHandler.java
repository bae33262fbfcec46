package com.example;

import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerRequest;
import java.util.List;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/** {@code greet NAME...}: answers "<greeting>, NAME!", the greeting taken from the handler's config block. */
public final class GreetHandler extends Handler {
  private final String greeting;

  public GreetHandler(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
    super(context, handlerContext);
    // Options live in the handler's own block: omg.handlers.greet { greeting = "..." }.
    this.greeting = handlerContext.config().hasPath("greeting")
        ? handlerContext.config().getString("greeting")
        : "hello";
  }

  @Override
  protected void handle(HandlerRequest request) {
    // The CLI sends its arguments as a list of strings, or no payload at all.
    String who = request.payload() instanceof List<?> words && !words.isEmpty()
        ? String.join(" ", words.stream().map(String::valueOf).toList())
        : "world";
    request.reply(greeting + ", " + who + "!");
  }
}
