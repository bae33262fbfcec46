package dev.omg.transport;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;

/**
 * INTERNAL API. Merges a connection's progress frames, offered from handler threads, into its stream of answers,
 * inside the connection's own stream: no queue source of its own, so no second actor, island or subscription
 * per connection. At most {@code capacity} frames wait; {@link #offer} says at once whether one was taken.
 * Completes when the answers complete (every answer waits for its own progress frames, so none is left).
 */
public final class ProgressMerge extends GraphStage<FlowShape<Object, Object>> {
  /** What handlers offer progress frames to; thread-safe. */
  public static final class Queue {
    private final int capacity;
    private final AtomicInteger waiting = new AtomicInteger();
    private volatile Consumer<Object> stage;
    private volatile boolean completed;

    public Queue(int capacity) {
      this.capacity = capacity;
    }

    /** Where offered frames go from now on (the stage's async callback). */
    void attach(Consumer<Object> sink) {
      this.stage = sink;
    }

    /** A frame taken earlier has been emitted, so one more may wait. */
    void emitted() {
      waiting.decrementAndGet();
    }

    /** Whether {@code frame} was taken; false when {@link #capacity} frames wait or the connection ended. */
    boolean offer(Object frame) {
      Consumer<Object> target = stage;
      if (completed || target == null) {
        return false;
      }
      if (waiting.incrementAndGet() > capacity) {
        waiting.decrementAndGet();
        return false;
      }
      target.accept(frame);
      return true;
    }

    /** Nothing more is taken. */
    void complete() {
      completed = true;
    }
  }

  private final Inlet<Object> in = Inlet.create("ProgressMerge.in");
  private final Outlet<Object> out = Outlet.create("ProgressMerge.out");
  private final FlowShape<Object, Object> shape = FlowShape.of(in, out);
  private final Queue queue;

  ProgressMerge(Queue queue) {
    this.queue = queue;
  }

  @Override
  public FlowShape<Object, Object> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new GraphStageLogic(shape) {
      private final ArrayDeque<Object> waitingFrames = new ArrayDeque<>();
      /** An answer that came while a progress frame took the outlet. */
      private Object held;

      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            Object answer = grab(in);
            if (isAvailable(out)) {
              push(out, answer);
            } else {
              held = answer;
            }
          }

          @Override
          public void onUpstreamFinish() {
            if (held == null) {
              completeStage();
            }
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            if (held != null) {
              push(out, held);
              held = null;
              if (isClosed(in)) {
                completeStage();
              }
            } else if (!waitingFrames.isEmpty()) {
              queue.emitted();
              push(out, waitingFrames.poll());
            } else if (!hasBeenPulled(in) && !isClosed(in)) {
              pull(in);
            }
          }
        });
      }

      @Override
      public void preStart() {
        AsyncCallback<Object> frames = createAsyncCallback(frame -> {
          if (isAvailable(out) && held == null) {
            queue.emitted();
            push(out, frame);
          } else {
            waitingFrames.add(frame);
          }
        });
        queue.attach(frames::invoke);
      }

      @Override
      public void postStop() {
        queue.complete();
      }
    };
  }
}
