package dev.omg.it.faults;

import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerReply;
import dev.omg.handler.HandlerRequest;
import java.time.Duration;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Handlers that misbehave on purpose, loaded by the real engine from this module's test classes. Each shows one
 * fault the engine must contain.
 */
public final class FaultHandlers {
  private FaultHandlers() {}

  /** Throws on the payload "boom"; otherwise answers how many requests this instance has served. */
  public static final class Fragile extends Handler {
    private int served;

    public Fragile(ActorContext<HandlerRequest> context, HandlerContext handlerContext) {
      super(context, handlerContext);
    }

    @Override
    protected void handle(HandlerRequest request) {
      if ("boom".equals(request.payload())) {
        throw new IllegalStateException("boom");
      }
      served++;
      request.reply(served);
    }
  }

  /** Never answers. */
  public static final class Silent extends Handler {
    public Silent(ActorContext<HandlerRequest> context, HandlerContext handlerContext) {
      super(context, handlerContext);
    }

    @Override
    protected void handle(HandlerRequest request) {
      // Deliberately no reply: the engine must answer TIMEOUT.
    }
  }

  /** Answers every request twice. */
  public static final class Twice extends Handler {
    public Twice(ActorContext<HandlerRequest> context, HandlerContext handlerContext) {
      super(context, handlerContext);
    }

    @Override
    protected void handle(HandlerRequest request) {
      request.reply("first");
      request.reply("second");
    }
  }

  /** Answers after option {@code delay} without blocking: slow, like a handler waiting on real work. */
  public static final class Slow extends Handler {
    private final Duration delay;

    public Slow(ActorContext<HandlerRequest> context, HandlerContext handlerContext) {
      super(context, handlerContext);
      this.delay = handlerContext.config().getDuration("delay");
    }

    @Override
    protected void handle(HandlerRequest request) {
      getContext().scheduleOnce(delay, request.replyTo(), HandlerReply.ok(request.payload()));
    }
  }
}
