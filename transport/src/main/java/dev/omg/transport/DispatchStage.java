package dev.omg.transport;

import java.util.ArrayDeque;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

/**
 * INTERNAL API. The connection's dispatch step, like {@code mapAsyncUnordered(maxInFlight, ..)} with a byte
 * budget: each element carries the weight its frame took from the connection's {@link ConnectionBudget}, gives it
 * back to the engine when it is answered, and to the connection when its answer leaves this stage (towards the
 * encoder and the socket). Requests in flight are at most
 * {@code maxInFlight}; answers waiting for downstream at most as many: past either bound the stage stops pulling,
 * so the socket is not read.
 */
final class DispatchStage<S> extends GraphStage<FlowShape<DispatchStage.Weighed<S>, Object>> {
  /** A step of the protocol and what its frame weighs. */
  record Weighed<S>(S step, long weight) {}

  private record Answer(Object element, long weight) {}

  private final Inlet<Weighed<S>> in = Inlet.create("Dispatch.in");
  private final Outlet<Object> out = Outlet.create("Dispatch.out");
  private final FlowShape<Weighed<S>, Object> shape = FlowShape.of(in, out);
  private final int maxInFlight;
  private final ConnectionBudget budget;
  /** Starts a step: an already completed stage for an immediate answer, else the request's eventual answer. */
  private final Function<S, CompletionStage<Object>> start;

  DispatchStage(int maxInFlight, ConnectionBudget budget, Function<S, CompletionStage<Object>> start) {
    this.maxInFlight = maxInFlight;
    this.budget = budget;
    this.start = start;
  }

  @Override
  public FlowShape<Weighed<S>, Object> shape() {
    return shape;
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new GraphStageLogic(shape) {
      private final ArrayDeque<Answer> answers = new ArrayDeque<>();
      private int inFlight;
      private final AsyncCallback<Answer> onAnswer = createAsyncCallback(this::answered);

      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            Weighed<S> next = grab(in);
            inFlight++;
            CompletionStage<Object> answer = start.apply(next.step());
            var done = answer.toCompletableFuture();
            if (done.isDone() && !done.isCompletedExceptionally()) {
              answered(new Answer(done.join(), next.weight()));
            } else {
              answer.whenComplete((element, failure) -> onAnswer.invoke(
                  new Answer(failure == null ? element : failure, next.weight())));
            }
            pullIfRoom();
          }

          @Override
          public void onUpstreamFinish() {
            completeIfDone();
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            pushAnswer();
          }
        });
      }

      @Override
      public void preStart() {
        pull(in);
      }

      private void answered(Answer answer) {
        inFlight--;
        budget.answered(answer.weight());
        if (answer.element() instanceof Throwable failure) {
          failStage(failure);
          return;
        }
        long weight = answer.weight();
        if (answer.element() instanceof ByteString encoded) {
          // What waits for the socket now is the encoded answer, not the request it answered.
          weight = Framing.weight(encoded.size());
          budget.reweigh(answer.weight(), weight);
        }
        answers.add(new Answer(answer.element(), weight));
        pushAnswer();
      }

      private void pushAnswer() {
        if (isAvailable(out) && !answers.isEmpty()) {
          Answer answer = answers.poll();
          push(out, answer.element());
          budget.written(answer.weight());
        }
        pullIfRoom();
        completeIfDone();
      }

      private void pullIfRoom() {
        if (inFlight + answers.size() < maxInFlight && !isClosed(in) && !hasBeenPulled(in)) {
          pull(in);
        }
      }

      private void completeIfDone() {
        if (isClosed(in) && inFlight == 0 && answers.isEmpty()) {
          completeStage();
        }
      }
    };
  }
}
