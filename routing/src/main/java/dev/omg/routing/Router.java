package dev.omg.routing;

import dev.omg.handler.EngineInfo;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerReply;
import dev.omg.handler.HandlerRequest;
import dev.omg.handler.internal.HandlerDefinition;
import dev.omg.protocol.Status;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.Routers;

/**
 * INTERNAL API. The router actor: owns the supervised handler actors of each configured command (one, or a
 * round-robin pool of {@code instances}, on the handler's dispatcher; for a command with a {@code cluster-role},
 * the actors that send its requests to worker nodes, see {@code ClusterRouting}) and forwards each request to them;
 * answers UNKNOWN_COMMAND itself for any other command. A handler that throws is restarted (its failing request has
 * been answered HANDLER_ERROR by the handler base class); the router never fails. Requests come from
 * {@link RequestRouter}, made with their deadline, peer and progress; cancels go from it to the handler directly.
 */
public final class Router extends AbstractBehavior<Router.Command> {

  public interface Command {}

  /** Route {@code request} to its command's handler, which answers its reply-to by its deadline. */
  public record Route(HandlerRequest request) implements Command {}

  private final Map<String, ActorRef<HandlerMessage>> handlers;
  private final String known;

  private Router(ActorContext<Command> context, List<HandlerDefinition> definitions, EngineInfo engine,
      WorkerCounts workers) {
    super(context);
    Map<String, ActorRef<HandlerMessage>> spawned = new TreeMap<>();
    for (HandlerDefinition definition : definitions) {
      // A clustered command's handlers run on worker nodes; its cluster classes load only here.
      ActorRef<HandlerMessage> handler = definition.clusterRole().isPresent()
          ? dev.omg.routing.cluster.ClusterRouting.spawn(context, definition, engine, workers)
          : spawnHandlers(context, definition, engine);
      spawned.put(definition.command(), handler);
    }
    this.handlers = Collections.unmodifiableMap(spawned);
    this.known = String.join(", ", spawned.keySet());
  }

  /**
   * Spawns the supervised handler actors of {@code definition} as a child of {@code context}: one, or a
   * round-robin pool of {@code instances}, on the handler's dispatcher, named {@code handler-<command>}.
   */
  public static ActorRef<HandlerMessage> spawnHandlers(ActorContext<?> context, HandlerDefinition definition,
      EngineInfo engine) {
    Behavior<HandlerMessage> supervised = Behaviors.supervise(definition.behavior(engine))
        .onFailure(SupervisorStrategy.restart().withLoggingEnabled(false));
    Props props = definition.dispatcher().isEmpty()
        ? Props.empty() : DispatcherSelector.fromConfig(definition.dispatcher());
    String name = handlerName(definition);
    return definition.instances() == 1
        ? context.spawn(supervised, name, props)
        : context.spawn(Routers.pool(definition.instances(), supervised).withRoundRobinRouting()
            .withRouteeProps(props), name);
  }

  /** The handler actor's name: {@code handler-} and the command, URL-encoded. */
  public static String handlerName(HandlerDefinition definition) {
    return "handler-" + URLEncoder.encode(definition.command(), StandardCharsets.UTF_8);
  }

  public static Behavior<Command> create(List<HandlerDefinition> definitions, EngineInfo engine) {
    return create(definitions, engine, new WorkerCounts());
  }

  /** @param workers where clustered commands report their ready worker nodes, for {@code status} */
  public static Behavior<Command> create(List<HandlerDefinition> definitions, EngineInfo engine,
      WorkerCounts workers) {
    return Behaviors.setup(context -> new Router(context, definitions, engine, workers));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(Route.class, this::onRoute).build();
  }

  private Behavior<Command> onRoute(Route route) {
    HandlerRequest request = route.request();
    ActorRef<HandlerMessage> handler = request.command() == null ? null : handlers.get(request.command());
    if (handler == null) {
      request.replyTo().tell(HandlerReply.error(Status.UNKNOWN_COMMAND,
          "unknown command '" + request.command() + "'; known commands: " + known));
    } else {
      handler.tell(request);
    }
    return this;
  }
}
