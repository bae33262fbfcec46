package com.example.pkgindex;

import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerRequest;
import dev.omg.protocol.Status;
import java.util.List;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/** {@code info NAME}: the package's {@link PackageInfo}; BAD_REQUEST for a name the index does not know. */
public final class InfoHandler extends Handler {
  private final Catalog catalog;

  public InfoHandler(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
    super(context, handlerContext);
    this.catalog = Catalog.from(handlerContext.config());
  }

  @Override
  protected void handle(HandlerRequest request) {
    if (!(request.payload() instanceof List<?> words) || words.size() != 1) {
      request.fail(Status.BAD_REQUEST, "usage: info NAME");
      return;
    }
    String name = String.valueOf(words.get(0));
    catalog.find(name).ifPresentOrElse(
        entry -> request.reply(new PackageInfo(entry.name(), entry.version(), entry.description(),
            catalog.isInstalled(entry.name()))),
        () -> request.fail(Status.BAD_REQUEST, "no package named '" + name + "'; try: search " + name));
  }
}
