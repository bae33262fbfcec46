package dev.omg.handler.internal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.omg.config.Settings;
import dev.omg.config.SettingsException;
import dev.omg.handler.CommandInfo;
import dev.omg.handler.EngineInfo;
import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.transport.SerializationSettings;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * INTERNAL API. One {@code omg.handlers.<command>} block, checked at load: the class exists, extends
 * {@link Handler}, and has the constructor the engine calls; the pool size, dispatcher, timeout and payload
 * types are valid. A block with a {@code cluster-role} is served by worker nodes: its class is loaded only where
 * it runs ({@link #loaded}), so the engine need not have it on its classpath.
 *
 * @param className the handler's class name
 * @param constructor the constructor the engine calls; null for a clustered command until {@link #loaded}
 * @param instances handler actors behind the command (a round-robin pool when more than one); for a clustered
 *     command, handler actors on each worker node
 * @param dispatcher a Pekko dispatcher's config path, or empty for the default dispatcher
 * @param timeout the handler's own request timeout, else the global one
 * @param payloadTypes what {@code commands} shows as the payload types the command accepts
 * @param clusterRole the role of the worker nodes that serve the command; empty when the engine serves it
 */
public record HandlerDefinition(String command, String className, Constructor<? extends Handler> constructor,
    Config config, OptionalInt maxQueued, int instances, String dispatcher, Optional<Duration> timeout,
    List<String> payloadTypes, Optional<String> clusterRole) {
  private static final Pattern COMMAND = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");
  private static final Pattern ROLE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
  /** The standard payload types' names, as payload-types may list them (docs/protocol.md). */
  public static final Set<String> STANDARD_TYPE_NAMES = Set.of("none", "string", "int", "long", "boolean", "double",
      "float", "short", "byte", "char", "bytes", "list", "map");

  public HandlerDefinition {
    payloadTypes = List.copyOf(payloadTypes);
  }

  /** Every handler block under {@code omg.handlers}, in name order. */
  public static List<HandlerDefinition> all(Config config, ClassLoader loader) {
    List<HandlerDefinition> definitions = new ArrayList<>();
    Set<String> registered = new HashSet<>();
    if (config.hasPath(SerializationSettings.REGISTER)) {
      config.getObject(SerializationSettings.REGISTER).unwrapped().values()
          .forEach(name -> registered.add(String.valueOf(name)));
    }
    Config handlers = Settings.object(config, "omg.handlers");
    for (Map.Entry<String, ConfigValue> entry : config.getObject("omg.handlers").entrySet()) {
      String command = entry.getKey();
      String key = "omg.handlers.\"" + command + "\"";
      if (entry.getValue().valueType() == ConfigValueType.NULL) {
        continue;
      }
      if (!COMMAND.matcher(command).matches()) {
        throw new SettingsException(key, "command names are 1-64 letters, digits, '_', '.', ':' or '-'");
      }
      if (entry.getValue().valueType() != ConfigValueType.OBJECT) {
        throw new SettingsException(key, "must be a block { class = \"...\" } or null, got "
            + entry.getValue().valueType());
      }
      Config block = handlers.getConfig("\"" + command + "\"");
      String className = Settings.nonEmptyString(config, key + ".class");
      OptionalInt maxQueued = config.hasPath(key + ".max-queued")
          ? OptionalInt.of(Settings.intInRange(config, key + ".max-queued", 1, 1 << 20))
          : OptionalInt.empty();
      int instances = config.hasPath(key + ".instances")
          ? Settings.intInRange(config, key + ".instances", 1, 1024) : 1;
      String dispatcher = config.hasPath(key + ".dispatcher") ? Settings.string(config, key + ".dispatcher") : "";
      if (!dispatcher.isEmpty() && !(config.hasPath(dispatcher)
          && config.getValue(dispatcher).valueType() == ConfigValueType.OBJECT)) {
        throw new SettingsException(key + ".dispatcher", "no dispatcher is configured at '" + dispatcher
            + "'; name a block such as pekko.actor.default-blocking-io-dispatcher, or define one");
      }
      Optional<Duration> timeout = config.hasPath(key + ".timeout")
          ? Optional.of(Settings.positiveDuration(config, key + ".timeout")) : Optional.empty();
      List<String> payloadTypes = config.hasPath(key + ".payload-types")
          ? Settings.stringList(config, key + ".payload-types") : List.of();
      for (String type : payloadTypes) {
        if (!STANDARD_TYPE_NAMES.contains(type) && !registered.contains(type)) {
          throw new SettingsException(key + ".payload-types", "'" + type + "' is neither a standard type "
              + new TreeSet<>(STANDARD_TYPE_NAMES) + " nor a class in " + SerializationSettings.REGISTER);
        }
      }
      Optional<String> clusterRole = Optional.empty();
      if (config.hasPath(key + ".cluster-role")) {
        String role = Settings.string(config, key + ".cluster-role");
        if (!ROLE.matcher(role).matches()) {
          throw new SettingsException(key + ".cluster-role", "role names are 1-64 letters, digits, '_', '.' or"
              + " '-', got '" + role + "'");
        }
        clusterRole = Optional.of(role);
      }
      // A clustered command's class runs on the workers only; the engine need not have it.
      Constructor<? extends Handler> constructor = clusterRole.isPresent()
          ? null : constructor(key + ".class", className, loader);
      definitions.add(new HandlerDefinition(command, className, constructor, block, maxQueued, instances,
          dispatcher, timeout, payloadTypes, clusterRole));
    }
    definitions.sort((a, b) -> a.command.compareTo(b.command));
    return definitions;
  }

  /** As {@code commands} shows it, with the timeout in force. */
  public CommandInfo info(Duration defaultTimeout, int defaultMaxQueued) {
    return new CommandInfo(command, className, instances, dispatcher, timeout.orElse(defaultTimeout),
        maxQueued.orElse(defaultMaxQueued), payloadTypes, clusterRole.orElse(""));
  }

  /**
   * This definition with its class loaded and checked, as a worker node runs it; itself when loaded already.
   *
   * @throws SettingsException when the class is missing or not a handler, naming the {@code class} key
   */
  public HandlerDefinition loaded(ClassLoader loader) {
    if (constructor != null) {
      return this;
    }
    return new HandlerDefinition(command, className, constructor("omg.handlers.\"" + command + "\".class",
        className, loader), config, maxQueued, instances, dispatcher, timeout, payloadTypes, clusterRole);
  }

  /** The handler actor's behavior: a fresh instance at each (re)start. */
  public Behavior<HandlerMessage> behavior(EngineInfo engine) {
    if (constructor == null) {
      throw new IllegalStateException("'" + command + "' is served by cluster role " + clusterRole.orElse("?")
          + "; its class is loaded only on worker nodes");
    }
    HandlerContext handlerContext = new HandlerContext(command, config, engine);
    return Behaviors.setup(context -> instantiate(context, handlerContext));
  }

  private Handler instantiate(ActorContext<HandlerMessage> context, HandlerContext handlerContext)
      throws Exception {
    try {
      return constructor.newInstance(context, handlerContext);
    } catch (InvocationTargetException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  @SuppressWarnings("unchecked")
  private static Constructor<? extends Handler> constructor(String key, String className, ClassLoader loader) {
    Class<?> type;
    try {
      type = Class.forName(className, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new SettingsException(key, "class " + className + " is not on the classpath", e);
    }
    if (!Handler.class.isAssignableFrom(type) || Modifier.isAbstract(type.getModifiers())) {
      throw new SettingsException(key, className + " is not a concrete subclass of " + Handler.class.getName());
    }
    try {
      Constructor<?> constructor = type.getConstructor(ActorContext.class, HandlerContext.class);
      return (Constructor<? extends Handler>) constructor;
    } catch (NoSuchMethodException e) {
      throw new SettingsException(key, className
          + " needs a public constructor (ActorContext<HandlerMessage>, HandlerContext)", e);
    }
  }
}
