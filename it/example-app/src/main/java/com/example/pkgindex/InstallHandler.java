package com.example.pkgindex;

import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerRequest;
import dev.omg.protocol.Status;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * {@code install NAME}: downloads the package chunk by chunk, reporting each chunk as a progress event, and
 * answers an {@link InstallResult}. It blocks while it works, so its config block gives it a pool of instances on
 * Pekko's blocking-I/O dispatcher; between chunks it checks whether the client cancelled, and if so removes the
 * partial download.
 */
public final class InstallHandler extends Handler {
  private final Catalog catalog;
  private final Duration stepDelay;

  public InstallHandler(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
    super(context, handlerContext);
    this.catalog = Catalog.from(handlerContext.config());
    this.stepDelay = handlerContext.config().getDuration("step-delay");
  }

  @Override
  protected void handle(HandlerRequest request) throws IOException, InterruptedException {
    String name = nameOf(request.payload());
    if (name == null) {
      request.fail(Status.BAD_REQUEST, "usage: install NAME");
      return;
    }
    Catalog.Entry entry = catalog.find(name).orElse(null);
    if (entry == null) {
      request.fail(Status.BAD_REQUEST, "no package named '" + name + "'; try: search " + name);
      return;
    }
    getContext().getLog().info("installing {} {} for uid {}", entry.name(), entry.version(), request.peer().uid());
    for (int chunk = 1; chunk <= entry.chunks(); chunk++) {
      if (request.isCancelled()) {
        catalog.discard(entry.name());
        getContext().getLog().info("install of {} cancelled after {} of {} chunks; partial download removed",
            entry.name(), chunk - 1, entry.chunks());
        return;
      }
      Thread.sleep(stepDelay.toMillis()); // the download of one chunk
      catalog.writeChunk(entry, chunk);
      request.progress(Map.of("done", chunk, "total", entry.chunks(), "message", "downloading " + entry.name()));
    }
    Path installed = catalog.complete(entry);
    request.reply(new InstallResult(entry.name(), entry.version(), installed.toString()));
  }

  /** A Java client sends an InstallRequest; the CLI sends its arguments as a list of strings. */
  private static String nameOf(Object payload) {
    if (payload instanceof InstallRequest install) {
      return install.name();
    }
    if (payload instanceof List<?> words && words.size() == 1) {
      return String.valueOf(words.get(0));
    }
    return null;
  }
}
