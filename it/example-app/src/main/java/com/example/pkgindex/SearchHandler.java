package com.example.pkgindex;

import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerRequest;
import dev.omg.protocol.Status;
import java.util.List;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/** {@code search TEXT}: one line per package whose name or description contains TEXT. */
public final class SearchHandler extends Handler {
  private final Catalog catalog;

  public SearchHandler(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
    super(context, handlerContext);
    this.catalog = Catalog.from(handlerContext.config());
  }

  @Override
  protected void handle(HandlerRequest request) {
    // The CLI sends its arguments as a list of strings.
    if (!(request.payload() instanceof List<?> words) || words.size() != 1) {
      request.fail(Status.BAD_REQUEST, "usage: search TEXT");
      return;
    }
    List<String> lines = catalog.search(String.valueOf(words.get(0))).stream()
        .map(e -> e.name() + " " + e.version() + " - " + e.description())
        .toList();
    request.reply(lines);
  }
}
