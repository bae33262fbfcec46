package dev.omg.routing;

import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerReply;
import dev.omg.handler.HandlerRequest;
import java.time.Duration;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Handlers that misbehave on purpose, named in the routing tests' HOCON and, from this module's test jar, loaded by
 * the real engine in the system tests (it/).
 */
final class TestHandlers {
  private TestHandlers() {}

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

  /** Answers twice, the second time after the configured delay (option `delay`). */
  public static final class Late extends Handler {
    private final Duration delay;

    public Late(ActorContext<HandlerRequest> context, HandlerContext handlerContext) {
      super(context, handlerContext);
      this.delay = handlerContext.config().getDuration("delay");
    }

    @Override
    protected void handle(HandlerRequest request) {
      getContext().scheduleOnce(delay, request.replyTo(), HandlerReply.ok("late"));
      getContext().scheduleOnce(delay.multipliedBy(2), request.replyTo(), HandlerReply.ok("later"));
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

  /** Echoes after option {@code delay} without blocking: slow, like a handler waiting on real work. */
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
