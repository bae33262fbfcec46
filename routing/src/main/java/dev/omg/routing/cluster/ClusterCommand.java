package dev.omg.routing.cluster;

import dev.omg.handler.HandlerReply;
import dev.omg.handler.HandlerRequest;
import dev.omg.handler.internal.HandlerRequests;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.routing.WorkerCounts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API. The engine's side of one clustered command: sends each of its requests to one worker node's
 * {@link WorkerEndpoint} and relays the worker's progress events and reply back to the request. What a client can
 * rely on:
 *
 * <ul>
 *   <li>Workers are those the cluster receptionist lists for the command whose payload registration fingerprint
 *       ({@link RegistrationFingerprint}) equals the engine's; a worker with another fingerprint is refused (never
 *       sent a request) with a warning naming both fingerprints. Requests go round robin over the workers, in the
 *       order they became ready, skipping unreachable ones.
 *   <li>At-most-once: a request is sent to one worker, once, and never resent to another.
 *   <li>No worker ready: the request is answered UNAVAILABLE at once (nothing is queued), with a message saying
 *       why (none up with the role, none ready yet, or all refused and why) and the retry-after hint
 *       {@code omg.cluster.unavailable-retry-after}.
 *   <li>The worker serving a request becomes unreachable (a cluster reachability event), its endpoint stops
 *       (death watch: its node left, or was downed), or it leaves the receptionist's listing (which drops
 *       unreachable nodes too): the request is
 *       answered UNAVAILABLE at once; it may or may not have run. Lost messages are covered by the request's
 *       own deadline: the engine answers TIMEOUT then, as for a local handler.
 *   <li>A cancel (the client's, or the deadline's) is sent on to the worker, whose handler's {@code onCancel}
 *       runs if it had taken the request up; a reply after it is dropped.
 *   <li>Progress events go from the worker's handler to the client in order, ahead of the reply;
 *       {@link HandlerRequest#progress} on the worker returns true whenever the client asked for events, as it
 *       cannot know whether the engine could pass one on.
 * </ul>
 *
 * The local bounds still hold: requests reach this actor through the router's queue (max-queued,
 * max-in-flight, OVERLOADED) and hold their slot until answered.
 */
public final class ClusterCommand extends AbstractBehavior<ClusterCommand.Command> {
  // Pekko's per-actor logger would be named after its timer wrapper, under org.apache.pekko (WARN and up).
  private static final Logger log = LoggerFactory.getLogger(ClusterCommand.class);

  public interface Command {}

  /** Send {@code request} to a worker; from the command's forwarder. */
  public record Dispatch(HandlerRequest request) implements Command {}

  /** {@code request} was cancelled by its client or its deadline; tell its worker. */
  public record Cancel(HandlerRequest request) implements Command {}

  /** A worker's answer to {@link WorkerEndpoint.Identify}: its payload registration and version. */
  public record Identity(ActorRef<WorkerEndpoint.Command> worker, String fingerprint, String version)
      implements Command, ClusterMessage {}

  /** The worker's reply to the request sent as {@code key}. */
  public record WorkReply(long key, Response response) implements Command, ClusterMessage {}

  /** A progress event of the request sent as {@code key}. */
  public record WorkProgress(long key, Object event) implements Command, ClusterMessage {}

  private record ListingChanged(Receptionist.Listing listing) implements Command {}

  private record WorkerStopped(ActorRef<WorkerEndpoint.Command> worker) implements Command {}

  private record ReachabilityChanged(ClusterEvent.ReachabilityEvent event) implements Command {}

  private enum IdentifyAgain implements Command { INSTANCE }

  /** How often a worker that has not answered its Identify is asked again (a message may be lost at join). */
  static final Duration IDENTIFY_INTERVAL = Duration.ofSeconds(1);

  private record InFlight(HandlerRequest request, ActorRef<WorkerEndpoint.Command> worker) {}

  private final String command;
  private final String role;
  private final String fingerprint;
  private final long retryAfterMillis;
  private final WorkerCounts workers;
  /** Listed, not yet identified. */
  private final Set<ActorRef<WorkerEndpoint.Command>> pending = new HashSet<>();
  /** Identified with the engine's fingerprint, in the order they became ready. */
  private final List<ActorRef<WorkerEndpoint.Command>> ready = new ArrayList<>();
  /** Identified with another fingerprint: theirs. */
  private final Map<ActorRef<WorkerEndpoint.Command>, String> refused = new LinkedHashMap<>();
  private final Set<Address> unreachable = new HashSet<>();
  private final Map<Long, InFlight> inFlight = new HashMap<>();
  private final Map<HandlerRequest, Long> keys = new IdentityHashMap<>();
  private int next;
  private long lastKey;

  private ClusterCommand(ActorContext<Command> context, TimerScheduler<Command> timers, String command,
      String role, String fingerprint, Duration retryAfter, WorkerCounts workers) {
    super(context);
    this.command = command;
    this.role = role;
    this.fingerprint = fingerprint;
    this.retryAfterMillis = retryAfter.toMillis();
    this.workers = workers;
    workers.ready(command, role, Set.of());
    context.getSystem().receptionist().tell(Receptionist.subscribe(WorkerEndpoint.serviceKey(command),
        context.messageAdapter(Receptionist.Listing.class, ListingChanged::new)));
    Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(
        context.messageAdapter(ClusterEvent.ReachabilityEvent.class, ReachabilityChanged::new),
        ClusterEvent.ReachabilityEvent.class));
    timers.startTimerWithFixedDelay(IdentifyAgain.INSTANCE, IDENTIFY_INTERVAL);
  }

  /**
   * @param fingerprint the engine's own {@link RegistrationFingerprint}
   * @param retryAfter the hint sent with UNAVAILABLE
   * @param workers where the ready workers are reported, for {@code status}
   */
  public static Behavior<Command> create(String command, String role, String fingerprint, Duration retryAfter,
      WorkerCounts workers) {
    return Behaviors.withTimers(timers -> Behaviors.setup(context ->
        new ClusterCommand(context, timers, command, role, fingerprint, retryAfter, workers)));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Dispatch.class, this::onDispatch)
        .onMessage(Cancel.class, this::onCancel)
        .onMessage(WorkReply.class, this::onWorkReply)
        .onMessage(WorkProgress.class, this::onWorkProgress)
        .onMessage(Identity.class, this::onIdentity)
        .onMessage(ListingChanged.class, this::onListingChanged)
        .onMessage(WorkerStopped.class, this::onWorkerStopped)
        .onMessage(ReachabilityChanged.class, this::onReachabilityChanged)
        .onMessageEquals(IdentifyAgain.INSTANCE, this::onIdentifyAgain)
        .build();
  }

  private Behavior<Command> onDispatch(Dispatch dispatch) {
    HandlerRequest request = dispatch.request();
    if (request.isCancelled()) {
      return this;
    }
    ActorRef<WorkerEndpoint.Command> worker = pick();
    if (worker == null) {
      request.replyTo().tell(new HandlerReply(Status.UNAVAILABLE, null, whyUnavailable(), retryAfterMillis));
      return this;
    }
    long key = ++lastKey;
    inFlight.put(key, new InFlight(request, worker));
    keys.put(request, key);
    worker.tell(new WorkerEndpoint.Work(key, request.id(), command, request.payload(),
        request.deadline().toEpochMilli(), request.peer(), HandlerRequests.wantsProgress(request),
        getContext().getSelf()));
    return this;
  }

  private Behavior<Command> onCancel(Cancel cancel) {
    Long key = keys.remove(cancel.request());
    InFlight running = key == null ? null : inFlight.remove(key);
    if (running != null) {
      running.worker().tell(new WorkerEndpoint.CancelWork(key, getContext().getSelf()));
    }
    return this;
  }

  private Behavior<Command> onWorkReply(WorkReply reply) {
    InFlight running = inFlight.remove(reply.key());
    if (running != null) {
      keys.remove(running.request());
      Response response = reply.response();
      running.request().replyTo().tell(new HandlerReply(response.status(), response.payload(), response.error(),
          response.retryAfterMillis()));
    }
    return this;
  }

  private Behavior<Command> onWorkProgress(WorkProgress progress) {
    InFlight running = inFlight.get(progress.key());
    if (running != null) {
      running.request().progress(progress.event());
    }
    return this;
  }

  private Behavior<Command> onListingChanged(ListingChanged changed) {
    Set<ActorRef<WorkerEndpoint.Command>> listed =
        changed.listing().getServiceInstances(WorkerEndpoint.serviceKey(command));
    for (ActorRef<WorkerEndpoint.Command> worker : listed) {
      if (!pending.contains(worker) && !ready.contains(worker) && !refused.containsKey(worker)) {
        pending.add(worker);
        worker.tell(new WorkerEndpoint.Identify(getContext().getSelf()));
      }
    }
    for (ActorRef<WorkerEndpoint.Command> known : known()) {
      if (!listed.contains(known)) {
        remove(known, "left the receptionist's listing (its node left, or became unreachable)");
      }
    }
    return this;
  }

  private Behavior<Command> onIdentity(Identity identity) {
    ActorRef<WorkerEndpoint.Command> worker = identity.worker();
    if (!pending.remove(worker)) {
      return this;
    }
    getContext().watchWith(worker, new WorkerStopped(worker));
    if (identity.fingerprint().equals(fingerprint)) {
      ready.add(worker);
      reportReady();
      log.info("worker {} (omg-engine {}) serves '{}' (role {}); {} worker(s) ready",
          address(worker), identity.version(), command, role, ready.size());
    } else {
      refused.put(worker, identity.fingerprint());
      log.warn("refused worker {} for '{}': its payload registration fingerprint is {}, the"
          + " engine's {}; give the engine and every worker the same omg.serialization.register", address(worker),
          command, identity.fingerprint(), fingerprint);
    }
    return this;
  }

  private Behavior<Command> onIdentifyAgain() {
    for (ActorRef<WorkerEndpoint.Command> worker : pending) {
      worker.tell(new WorkerEndpoint.Identify(getContext().getSelf()));
    }
    return this;
  }

  private Behavior<Command> onWorkerStopped(WorkerStopped stopped) {
    remove(stopped.worker(), "stopped");
    return this;
  }

  private Behavior<Command> onReachabilityChanged(ReachabilityChanged changed) {
    Address node = changed.event().member().address();
    if (changed.event() instanceof ClusterEvent.UnreachableMember) {
      if (unreachable.add(node)) {
        failInFlight(running -> address(running.worker()).equals(node), "became unreachable");
      }
    } else {
      unreachable.remove(node);
    }
    return this;
  }

  private void reportReady() {
    Set<String> nodes = new HashSet<>();
    ready.forEach(worker -> nodes.add(address(worker).toString()));
    workers.ready(command, role, nodes);
  }

  /** The next ready, reachable worker, round robin; null when there is none. */
  private ActorRef<WorkerEndpoint.Command> pick() {
    for (int tried = 0; tried < ready.size(); tried++) {
      ActorRef<WorkerEndpoint.Command> worker = ready.get(Math.floorMod(next++, ready.size()));
      if (!unreachable.contains(address(worker))) {
        return worker;
      }
    }
    return null;
  }

  private String whyUnavailable() {
    if (!refused.isEmpty()) {
      List<String> why = new ArrayList<>();
      refused.forEach((worker, theirs) -> why.add(address(worker) + " has fingerprint " + theirs));
      return "no worker can serve '" + command + "' (role " + role + "): refused for a different payload"
          + " registration (" + String.join(", ", why) + "; the engine's is " + fingerprint + "); give every"
          + " node the same omg.serialization.register";
    }
    if (!ready.isEmpty()) {
      return "no reachable worker with role " + role + " for '" + command + "': " + ready.size()
          + " unreachable; retry later";
    }
    if (!pending.isEmpty()) {
      return "no worker with role " + role + " for '" + command + "' is ready yet (" + pending.size()
          + " joining); retry later";
    }
    return "no worker node with role " + role + " is up to serve '" + command + "'; start one with: serve"
        + " --worker --role " + role;
  }

  private List<ActorRef<WorkerEndpoint.Command>> known() {
    List<ActorRef<WorkerEndpoint.Command>> known = new ArrayList<>(pending);
    known.addAll(ready);
    known.addAll(refused.keySet());
    return known;
  }

  private void remove(ActorRef<WorkerEndpoint.Command> worker, String what) {
    pending.remove(worker);
    refused.remove(worker);
    if (ready.remove(worker)) {
      reportReady();
      log.info("worker {} for '{}' {}; {} worker(s) ready", address(worker), command, what,
          ready.size());
    }
    getContext().unwatch(worker);
    failInFlight(running -> running.worker().equals(worker), what);
  }

  /** Answers UNAVAILABLE each request in flight on a worker that {@code lost} matches. */
  private void failInFlight(Predicate<InFlight> lost, String what) {
    for (Iterator<InFlight> it = inFlight.values().iterator(); it.hasNext(); ) {
      InFlight running = it.next();
      if (lost.test(running)) {
        it.remove();
        keys.remove(running.request());
        running.request().replyTo().tell(new HandlerReply(Status.UNAVAILABLE, null, "the worker "
            + address(running.worker()) + " serving '" + command + "' " + what + " with this request in flight;"
            + " it may or may not have run, and is not resent", retryAfterMillis));
      }
    }
  }

  private static Address address(ActorRef<?> worker) {
    return worker.path().address();
  }
}
