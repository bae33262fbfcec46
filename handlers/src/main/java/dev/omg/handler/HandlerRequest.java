package dev.omg.handler;

import dev.omg.protocol.Status;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One request, as a handler actor receives it in {@link Handler#handle}. Answer exactly once through
 * {@link #replyTo()} (or the {@link #reply} and {@link #fail} shortcuts); a reply after the deadline, or after the
 * client cancelled, is dropped, as the client has been answered TIMEOUT or CANCELLED already.
 *
 * <p>Before the reply, a handler may report {@link #progress} events, which reach clients that asked for them
 * (the CLI's {@code call} does) in order, ahead of the reply.
 *
 * <p>Threads: the engine hands a request to the handler actor's thread; every method here may be called from any
 * thread (a handler that works asynchronously replies from its own), and none of them blocks.
 */
public final class HandlerRequest implements HandlerMessage {
  private final long id;
  private final String command;
  private final Object payload;
  private final Instant deadline;
  private final Peer peer;
  private final ActorRef<HandlerReply> replyTo;
  /** Sends one progress event and says whether it went; null when the client wants none. */
  private final Predicate<Object> progress;
  /** Run once, when the handler actor takes the request off its mailbox; null when nobody counts. */
  private final Runnable taken;
  private boolean takenUp;
  private ActorRef<HandlerMessage> servedBy;
  private boolean cancelled;

  /**
   * A request with no connection behind it: peer {@link Peer#UNKNOWN}, progress not wanted, never cancelled. For
   * tests of a handler: send it to the handler actor with {@code replyTo} a test probe.
   *
   * @param id the client's request id, for logs
   * @param command the command the request was routed by
   * @param payload what the client sent: any registered type, or null
   * @param deadline when the engine stops waiting and answers TIMEOUT
   * @param replyTo where the one reply goes
   */
  public HandlerRequest(long id, String command, Object payload, Instant deadline, ActorRef<HandlerReply> replyTo) {
    this(id, command, payload, deadline, Peer.UNKNOWN, replyTo, null, null);
  }

  /** How the engine makes requests (through dev.omg.handler.internal.HandlerRequests). */
  HandlerRequest(long id, String command, Object payload, Instant deadline, Peer peer,
      ActorRef<HandlerReply> replyTo, Predicate<Object> progress, Runnable taken) {
    this.id = id;
    this.command = command;
    this.payload = payload;
    this.deadline = deadline;
    this.peer = Objects.requireNonNull(peer, "peer");
    this.replyTo = replyTo;
    this.progress = progress;
    this.taken = taken;
  }

  /** The client's request id, unique among its connection's requests in flight; for logs. */
  public long id() {
    return id;
  }

  /** The command the request was routed by. */
  public String command() {
    return command;
  }

  /** What the client sent: any registered type, or null. */
  public Object payload() {
    return payload;
  }

  /** The payload if it is a {@code type}; empty when it is null or of another type. Sends nothing. */
  public <T> Optional<T> payloadAs(Class<T> type) {
    return type.isInstance(payload) ? Optional.of(type.cast(payload)) : Optional.empty();
  }

  /**
   * The payload if it is a {@code type}; otherwise answers this request BAD_REQUEST ("'COMMAND' expects a TYPE
   * payload, got ...") and returns null, after which the handler must not answer again. For handlers that accept
   * one payload type.
   */
  public <T> T payloadOrReject(Class<T> type) {
    if (type.isInstance(payload)) {
      return type.cast(payload);
    }
    fail(Status.BAD_REQUEST, "'" + command + "' expects a " + type.getSimpleName() + " payload, got "
        + (payload == null ? "none" : payload.getClass().getSimpleName()));
    return null;
  }

  /** When the engine stops waiting and answers TIMEOUT (the handler's {@code timeout}, else the global one). */
  public Instant deadline() {
    return deadline;
  }

  /** Who sent the request. */
  public Peer peer() {
    return peer;
  }

  /** Where the one reply goes. */
  public ActorRef<HandlerReply> replyTo() {
    return replyTo;
  }

  /** Answers OK with {@code result}. */
  public void reply(Object result) {
    replyTo.tell(HandlerReply.ok(result));
  }

  /** Answers with an error status and a reason a person can act on. */
  public void fail(Status status, String reason) {
    replyTo.tell(HandlerReply.error(status, reason));
  }

  /**
   * Reports a progress event ahead of the reply. Returns whether it was sent: false when the client did not ask
   * for progress (a plain request), the request has ended (answered, cancelled, timed out), or the client is not
   * reading and the connection's progress queue is full (the event is dropped and the client sees a gap in the
   * events' sequence numbers). The CLI draws a map with numbers {@code done} and {@code total} (and an optional
   * {@code message}) as a progress bar; other payloads as a line of text.
   */
  public boolean progress(Object event) {
    synchronized (this) {
      if (cancelled) {
        return false;
      }
    }
    return progress != null && progress.test(event);
  }

  /** Whether the client cancelled this request or its deadline passed: stop work on it; any reply is dropped. */
  public synchronized boolean isCancelled() {
    return cancelled;
  }

  /**
   * Called by {@link Handler} as the actor {@code self} takes this request off its mailbox: whether to serve it.
   * False when it was cancelled before, or has been taken up already (the same request sent twice).
   */
  boolean takeUp(ActorRef<HandlerMessage> self) {
    boolean first;
    boolean serve;
    synchronized (this) {
      first = !takenUp;
      takenUp = true;
      serve = first && !cancelled;
      if (serve) {
        servedBy = self;
      }
    }
    // Before handle() runs: a handler that then blocks its thread forever has still taken this one.
    if (first && taken != null) {
      taken.run();
    }
    return serve;
  }

  /** Marks the request cancelled (client cancel or deadline) and tells the actor serving it, once. */
  void cancel() {
    ActorRef<HandlerMessage> handler;
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      handler = servedBy;
    }
    if (handler != null) {
      handler.tell(new RequestCancelled(this));
    }
  }

  @Override
  public String toString() {
    return "HandlerRequest[id=" + id + ", command=" + command + ", payload=" + payload + ", deadline=" + deadline
        + ", peer=" + peer + "]";
  }
}
