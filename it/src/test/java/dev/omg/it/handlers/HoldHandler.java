package dev.omg.it.handlers;

import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * {@code hold}: keeps every request unanswered until the engine starts shutting down, then answers them all
 * {@code released} after {@code release-after}. So a test knows requests are in flight when it sends SIGTERM, with
 * no race against a timer, and the drain has real work to wait for. Runs in the engine process (the system tests
 * put this package on its classpath).
 */
public final class HoldHandler extends Handler {
  private final List<HandlerRequest> held = new ArrayList<>();
  private boolean released;

  public HoldHandler(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
    super(context, handlerContext);
    Duration releaseAfter = handlerContext.config().getDuration("release-after");
    var system = context.getSystem();
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceUnbind(), "release-held-requests",
        () -> {
          system.scheduler().scheduleOnce(releaseAfter, this::release, system.executionContext());
          return CompletableFuture.completedFuture(Done.getInstance());
        });
  }

  @Override
  protected void handle(HandlerRequest request) {
    synchronized (held) {
      if (!released) {
        held.add(request);
        return;
      }
    }
    request.reply("released");
  }

  /** Runs on a scheduler thread: replies are messages to the router, safe from any thread. */
  private void release() {
    List<HandlerRequest> toAnswer;
    synchronized (held) {
      released = true;
      toAnswer = new ArrayList<>(held);
      held.clear();
    }
    toAnswer.forEach(request -> request.reply("released"));
  }
}
