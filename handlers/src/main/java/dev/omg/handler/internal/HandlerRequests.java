package dev.omg.handler.internal;

import dev.omg.handler.HandlerReply;
import dev.omg.handler.HandlerRequest;
import dev.omg.handler.Peer;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Instant;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * INTERNAL API. The engine's side of a {@link HandlerRequest}: makes one with its connection behind it (peer,
 * progress, the mailbox count) and cancels it. Both are package-private in the handler API so that handlers
 * cannot reach them and the API imports nothing from here; this class reaches them through a private lookup (the
 * engine runs on the class path, where every package is open), as the JDK's own internals reach into java.lang.
 */
public final class HandlerRequests {
  private static final MethodHandle CREATE;
  private static final MethodHandle CANCEL;
  private static final MethodHandle PROGRESS;

  static {
    try {
      MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(HandlerRequest.class, MethodHandles.lookup());
      CREATE = lookup.findConstructor(HandlerRequest.class, MethodType.methodType(void.class, long.class,
          String.class, Object.class, Instant.class, Peer.class, ActorRef.class, Predicate.class, Runnable.class));
      CANCEL = lookup.findVirtual(HandlerRequest.class, "cancel", MethodType.methodType(void.class));
      PROGRESS = lookup.findGetter(HandlerRequest.class, "progress", Predicate.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private HandlerRequests() {}

  /**
   * A request as the engine routes it.
   *
   * @param progress sends one progress event and says whether it went; null when the client wants none
   * @param taken run once, on the handler actor's thread, when the handler takes the request off its mailbox (to
   *     serve or to skip it); null when nobody counts
   */
  public static HandlerRequest create(long id, String command, Object payload, Instant deadline, Peer peer,
      ActorRef<HandlerReply> replyTo, Predicate<Object> progress, Runnable taken) {
    try {
      return (HandlerRequest) CREATE.invokeExact(id, command, payload, deadline, peer, (ActorRef<?>) replyTo,
          progress, taken);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Cancels {@code request} (client cancel or deadline): {@link HandlerRequest#isCancelled()} turns true, and the
   * handler actor serving it, if one has taken it up, gets a cancel message of its own, once. One not yet taken up
   * is skipped when its handler gets to it.
   */
  public static void cancel(HandlerRequest request) {
    try {
      CANCEL.invokeExact(request);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether the client asked for progress events: a request forwarded to another node carries this flag. */
  public static boolean wantsProgress(HandlerRequest request) {
    try {
      return (Predicate<?>) PROGRESS.invokeExact(request) != null;
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }
}
