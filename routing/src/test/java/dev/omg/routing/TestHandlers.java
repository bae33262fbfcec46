package dev.omg.routing;

import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerReply;
import dev.omg.handler.HandlerRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * Handlers that misbehave on purpose, named in the routing tests' HOCON and, from this module's test jar, loaded by
 * the real engine in the system tests (it/).
 */
final class TestHandlers {
  private TestHandlers() {}

  /** Never answers. */
  public static final class Silent extends Handler {
    public Silent(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
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

    public Fragile(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
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

  /** What {@link Late} has sent, as "late ID" and "later ID", in order. */
  static final List<String> lateReplies = new CopyOnWriteArrayList<>();

  /** Answers twice, the first time after the configured delay (option `delay`), the second after twice that. */
  public static final class Late extends Handler {
    private final Duration delay;

    public Late(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
      super(context, handlerContext);
      this.delay = handlerContext.config().getDuration("delay");
    }

    @Override
    protected void handle(HandlerRequest request) {
      getContext().getSystem().scheduler().scheduleOnce(delay, () -> send(request, "late"),
          getContext().getExecutionContext());
      getContext().getSystem().scheduler().scheduleOnce(delay.multipliedBy(2), () -> send(request, "later"),
          getContext().getExecutionContext());
    }

    private static void send(HandlerRequest request, String reply) {
      request.replyTo().tell(HandlerReply.ok(reply));
      lateReplies.add(reply + " " + request.id());
    }
  }

  /** Answers every request twice. */
  public static final class Twice extends Handler {
    public Twice(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
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

    public Slow(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
      super(context, handlerContext);
      this.delay = handlerContext.config().getDuration("delay");
    }

    @Override
    protected void handle(HandlerRequest request) {
      getContext().scheduleOnce(delay, request.replyTo(), HandlerReply.ok(request.payload()));
    }
  }

  /** Answers with the name of the thread that served the request. */
  public static final class ThreadName extends Handler {
    public ThreadName(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
      super(context, handlerContext);
    }

    @Override
    protected void handle(HandlerRequest request) {
      request.reply(Thread.currentThread().getName());
    }
  }

  /** Opened by the routing tests to let {@link Blocking} handlers go; nobody opens it in the engine process. */
  static volatile java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);

  /**
   * Blocks its thread inside {@code handle} until {@link #gate} opens, which in the engine process is never; then
   * throws on the payload "boom" and otherwise answers "unblocked". The payload "pass" is answered at once, to
   * warm the actor up.
   */
  public static final class Blocking extends Handler {
    public Blocking(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
      super(context, handlerContext);
    }

    @Override
    protected void handle(HandlerRequest request) throws InterruptedException {
      if ("pass".equals(request.payload())) {
        request.reply("passed");
        return;
      }
      gate.await();
      if ("boom".equals(request.payload())) {
        throw new IllegalStateException("boom");
      }
      request.reply("unblocked");
    }
  }

  /** What {@link Cancellable} handlers served and were told, across instances. */
  static final java.util.List<String> cancelled = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** Never answers by itself; records each cancel it is told of. Answers "peer UID" for the payload "who". */
  public static final class Cancellable extends Handler {
    public Cancellable(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
      super(context, handlerContext);
    }

    @Override
    protected void handle(HandlerRequest request) {
      if ("who".equals(request.payload())) {
        request.reply("peer " + request.peer().uid());
        return;
      }
      cancelled.add("serving " + request.command() + " " + request.id());
    }

    @Override
    protected void onCancel(HandlerRequest request) {
      cancelled.add(request.command() + " " + request.id());
      request.reply("too late"); // dropped: the client has its answer
    }
  }
}
