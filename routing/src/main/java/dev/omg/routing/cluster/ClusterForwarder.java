package dev.omg.routing.cluster;

import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerRequest;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * INTERNAL API. The handler the router sees for a clustered command: takes each request up as any handler does
 * (so the router's queue bound and cancel path apply unchanged) and passes it, and its cancel, to the command's
 * {@link ClusterCommand}.
 */
final class ClusterForwarder extends Handler {
  private final ActorRef<ClusterCommand.Command> target;

  private ClusterForwarder(ActorContext<HandlerMessage> context, HandlerContext handlerContext,
      ActorRef<ClusterCommand.Command> target) {
    super(context, handlerContext);
    this.target = target;
  }

  static Behavior<HandlerMessage> create(HandlerContext handlerContext, ActorRef<ClusterCommand.Command> target) {
    return Behaviors.setup(context -> new ClusterForwarder(context, handlerContext, target));
  }

  @Override
  protected void handle(HandlerRequest request) {
    target.tell(new ClusterCommand.Dispatch(request));
  }

  @Override
  protected void onCancel(HandlerRequest request) {
    target.tell(new ClusterCommand.Cancel(request));
  }
}
