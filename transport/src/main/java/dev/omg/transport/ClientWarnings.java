package dev.omg.transport;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.Done;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.slf4j.Logger;

/**
 * INTERNAL API. One engine's {@link WarningLimiter}s, one per cause of a warning a client can trigger, with the
 * bounds of {@code omg.transport.client-warnings}; each limiter reports what it held back once per interval, on
 * the actor system's scheduler. An extension, so that every connection of an engine shares its limiters.
 */
public final class ClientWarnings implements Extension {
  /** A client's connection was refused: its uid is not allowed. */
  public static final String UNAUTHORIZED = "unauthorized connection";
  /** A client's connection was turned away at omg.transport.max-connections. */
  public static final String CONNECTION_LIMIT = "connection limit";
  /** A frame or payload that cannot be read. */
  public static final String MALFORMED = "malformed input";
  /** Readable frames in the wrong order or with wrong ids, or another protocol version. */
  public static final String PROTOCOL_ERROR = "protocol error";
  /** A connection closed at omg.transport.frame-idle-timeout inside a frame. */
  public static final String IDLE_CLOSED = "idle-closed connection";
  /** Requests refused OVERLOADED at a routing bound. */
  public static final String OVERLOAD = "overload";
  /** A streamed request's progress events dropped: its client does not read them. */
  public static final String DROPPED_PROGRESS = "dropped progress";

  private static final Id ID = new Id();

  private final int burst;
  private final Duration interval;
  private final Map<String, WarningLimiter> limiters = new ConcurrentHashMap<>();

  private ClientWarnings(ActorSystem system) {
    TransportSettings settings = TransportSettings.create(system.settings().config());
    this.burst = settings.warningBurst;
    this.interval = settings.warningInterval;
    system.scheduler().scheduleWithFixedDelay(interval, interval, this::report, system.dispatcher());
    // What was held back since the last report is told at shutdown too, not lost: in a shutdown phase, while the
    // log is still open (a termination callback could run after the JVM had begun to exit).
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeActorSystemTerminate(),
        "report-suppressed-warnings", () -> {
          report();
          return CompletableFuture.completedFuture(Done.getInstance());
        });
  }

  public static ClientWarnings get(ClassicActorSystemProvider system) {
    return ID.get(system.classicSystem());
  }

  /** The limiter of {@code cause}, whose suppressed-count lines go to {@code log}. */
  public WarningLimiter limiter(String cause, Logger log) {
    return limiters.computeIfAbsent(cause, name -> new WarningLimiter(name, log, burst, interval, System::nanoTime));
  }

  private void report() {
    limiters.values().forEach(WarningLimiter::report);
  }

  private static final class Id extends AbstractExtensionId<ClientWarnings> {
    @Override
    public ClientWarnings createExtension(ExtendedActorSystem system) {
      return new ClientWarnings(system);
    }
  }
}
