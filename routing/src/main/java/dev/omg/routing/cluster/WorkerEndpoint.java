package dev.omg.routing.cluster;

import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerReply;
import dev.omg.handler.HandlerRequest;
import dev.omg.handler.Peer;
import dev.omg.handler.internal.HandlerRequests;
import dev.omg.protocol.Response;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * INTERNAL API. A worker node's side of one clustered command: registered with the cluster receptionist under
 * {@link #serviceKey}, it answers the engine's {@link Identify} with the node's payload registration fingerprint,
 * turns each {@link Work} into a {@link HandlerRequest} for the local handler actors (a round-robin pool of the
 * command's {@code instances}), and sends their progress events and reply back to the engine's
 * {@link ClusterCommand}. A {@link CancelWork} cancels the local request (the handler's {@code onCancel} runs if
 * it had taken it up); so does its deadline passing, should the engine's cancel be lost.
 */
public final class WorkerEndpoint extends AbstractBehavior<WorkerEndpoint.Command> {

  public interface Command {}

  /** The engine asks who this is; answered with a {@link ClusterCommand.Identity}. */
  public record Identify(ActorRef<ClusterCommand.Command> replyTo) implements Command, ClusterMessage {}

  /**
   * One request, sent as {@code key} by {@code replyTo}.
   *
   * @param deadlineMillis the request's deadline, epoch milliseconds (nodes on one machine share a clock)
   * @param progress whether the client asked for progress events
   */
  public record Work(long key, long requestId, String command, Object payload, long deadlineMillis, Peer peer,
      boolean progress, ActorRef<ClusterCommand.Command> replyTo) implements Command, ClusterMessage {}

  /** The request {@code from} sent as {@code key} was cancelled. */
  public record CancelWork(long key, ActorRef<ClusterCommand.Command> from) implements Command, ClusterMessage {}

  private record Replied(Origin origin, HandlerReply reply) implements Command {}

  /** A request by who sent it and its key there: keys are unique per engine-side actor. */
  private record Origin(ActorRef<ClusterCommand.Command> engine, long key) {}

  /** How long past its deadline a request may still answer here, for the clocks of two nodes. */
  static final Duration DEADLINE_GRACE = Duration.ofSeconds(1);

  private final ActorRef<HandlerMessage> handlers;
  private final String fingerprint;
  private final String version;
  private final Map<Origin, HandlerRequest> running = new HashMap<>();

  private WorkerEndpoint(ActorContext<Command> context, String command, ActorRef<HandlerMessage> handlers,
      String fingerprint, String version) {
    super(context);
    this.handlers = handlers;
    this.fingerprint = fingerprint;
    this.version = version;
    context.getSystem().receptionist().tell(Receptionist.register(serviceKey(command), context.getSelf()));
  }

  /**
   * @param handlers the command's local handler actors
   * @param fingerprint this node's {@link RegistrationFingerprint}
   */
  public static Behavior<Command> create(String command, ActorRef<HandlerMessage> handlers, String fingerprint,
      String version) {
    return Behaviors.setup(context -> new WorkerEndpoint(context, command, handlers, fingerprint, version));
  }

  /** The receptionist key workers register {@code command}'s endpoints under. */
  public static ServiceKey<Command> serviceKey(String command) {
    return ServiceKey.create(Command.class, "omg-command:" + command);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Identify.class, this::onIdentify)
        .onMessage(Work.class, this::onWork)
        .onMessage(CancelWork.class, this::onCancelWork)
        .onMessage(Replied.class, this::onReplied)
        .build();
  }

  private Behavior<Command> onIdentify(Identify identify) {
    identify.replyTo().tell(new ClusterCommand.Identity(getContext().getSelf(), fingerprint, version));
    return this;
  }

  private Behavior<Command> onWork(Work work) {
    Instant deadline = Instant.ofEpochMilli(work.deadlineMillis());
    Duration left = Duration.between(Instant.now(), deadline).plus(DEADLINE_GRACE);
    if (left.isNegative() || left.isZero()) {
      return this;
    }
    Origin origin = new Origin(work.replyTo(), work.key());
    ActorRef<ClusterCommand.Command> engine = work.replyTo();
    long key = work.key();
    // Called on the handler's thread: sends straight to the engine, ahead of the reply, which goes through here.
    Predicate<Object> progress = work.progress() ? event -> {
      engine.tell(new ClusterCommand.WorkProgress(key, event));
      return true;
    } : null;
    getContext().ask(HandlerReply.class, handlers, left, replyTo -> {
      HandlerRequest request = HandlerRequests.create(work.requestId(), work.command(), work.payload(), deadline,
          work.peer(), replyTo, progress, null);
      running.put(origin, request);
      return request;
    }, (reply, failure) -> new Replied(origin, reply));
    return this;
  }

  private Behavior<Command> onCancelWork(CancelWork cancel) {
    HandlerRequest request = running.remove(new Origin(cancel.from(), cancel.key()));
    if (request != null) {
      HandlerRequests.cancel(request);
    }
    return this;
  }

  /** The handler's reply, or null when none came by the deadline (the engine has answered TIMEOUT). */
  private Behavior<Command> onReplied(Replied replied) {
    HandlerRequest request = running.remove(replied.origin());
    if (request == null) {
      return this;
    }
    HandlerReply reply = replied.reply();
    if (reply == null) {
      HandlerRequests.cancel(request);
      return this;
    }
    long key = replied.origin().key();
    replied.origin().engine().tell(new ClusterCommand.WorkReply(key,
        new Response(key, reply.status(), reply.payload(), reply.error(), reply.retryAfterMillis())));
    return this;
  }
}
