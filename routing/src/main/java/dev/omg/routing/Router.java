package dev.omg.routing;

import dev.omg.handler.EngineInfo;
import dev.omg.handler.HandlerReply;
import dev.omg.handler.HandlerRequest;
import dev.omg.handlers.HandlerDefinition;
import dev.omg.protocol.Request;
import dev.omg.protocol.Status;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * INTERNAL API. The router actor: owns one supervised handler actor per configured command and forwards each
 * request to it; answers UNKNOWN_COMMAND itself for any other command. A handler that throws is restarted (its
 * failing request has been answered HANDLER_ERROR by the handler base class); the router never fails.
 */
public final class Router extends AbstractBehavior<Router.Command> {

  public interface Command {}

  /** Route {@code request} to its handler, which answers {@code replyTo} by {@code deadline}. */
  public record Route(Request request, Instant deadline, ActorRef<HandlerReply> replyTo) implements Command {}

  private final Map<String, ActorRef<HandlerRequest>> handlers;
  private final String known;

  private Router(ActorContext<Command> context, List<HandlerDefinition> definitions, EngineInfo engine) {
    super(context);
    Map<String, ActorRef<HandlerRequest>> spawned = new TreeMap<>();
    for (HandlerDefinition definition : definitions) {
      Behavior<HandlerRequest> supervised = Behaviors.supervise(definition.behavior(engine))
          .onFailure(SupervisorStrategy.restart().withLoggingEnabled(false));
      spawned.put(definition.command(), context.spawn(supervised,
          "handler-" + URLEncoder.encode(definition.command(), StandardCharsets.UTF_8)));
    }
    this.handlers = Collections.unmodifiableMap(spawned);
    this.known = String.join(", ", spawned.keySet());
  }

  public static Behavior<Command> create(List<HandlerDefinition> definitions, EngineInfo engine) {
    return Behaviors.setup(context -> new Router(context, definitions, engine));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(Route.class, this::onRoute).build();
  }

  private Behavior<Command> onRoute(Route route) {
    Request request = route.request();
    ActorRef<HandlerRequest> handler = request.command() == null ? null : handlers.get(request.command());
    if (handler == null) {
      route.replyTo().tell(HandlerReply.error(Status.UNKNOWN_COMMAND,
          "unknown command '" + request.command() + "'; known commands: " + known));
    } else {
      handler.tell(new HandlerRequest(request.id(), request.command(), request.payload(), route.deadline(),
          route.replyTo()));
    }
    return this;
  }
}
