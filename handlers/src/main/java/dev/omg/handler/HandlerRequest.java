package dev.omg.handler;

import dev.omg.handlers.RequestControl;
import dev.omg.protocol.Status;
import java.time.Instant;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One request, as a handler actor receives it. Answer exactly once through {@link #replyTo()} (or the
 * {@link #reply} and {@link #fail} shortcuts); a reply after the deadline, or after the client cancelled, is
 * dropped, as the client has been answered TIMEOUT or CANCELLED already.
 *
 * <p>Before the reply, a handler may report {@link #progress} events, which reach clients that asked for them
 * (the CLI's {@code call} does) in order, ahead of the reply.
 */
public final class HandlerRequest {
  private final long id;
  private final String command;
  private final Object payload;
  private final Instant deadline;
  private final Peer peer;
  private final ActorRef<HandlerReply> replyTo;
  private final RequestControl control;

  /**
   * A request with no connection behind it: peer {@link Peer#UNKNOWN}, progress not wanted, never cancelled. For
   * tests of a handler.
   *
   * @param id the client's request id, for logs
   * @param command the command the request was routed by
   * @param payload what the client sent: any registered type, or null
   * @param deadline when the engine stops waiting and answers TIMEOUT
   * @param replyTo where the one reply goes
   */
  public HandlerRequest(long id, String command, Object payload, Instant deadline, ActorRef<HandlerReply> replyTo) {
    this(id, command, payload, deadline, Peer.UNKNOWN, replyTo, RequestControl.detached());
  }

  /** INTERNAL API: how the engine creates requests. */
  public HandlerRequest(long id, String command, Object payload, Instant deadline, Peer peer,
      ActorRef<HandlerReply> replyTo, RequestControl control) {
    this.id = id;
    this.command = command;
    this.payload = payload;
    this.deadline = deadline;
    this.peer = Objects.requireNonNull(peer, "peer");
    this.replyTo = replyTo;
    this.control = control;
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
   * Reports a progress event ahead of the reply; safe from any thread. Returns whether it was sent: false when
   * the client did not ask for progress (a plain request), the request has ended (answered, cancelled, timed
   * out), or the client is not reading and the connection's progress queue is full (the event is dropped and
   * the client sees a gap in the events' sequence numbers). The CLI draws a map with numbers {@code done} and
   * {@code total} (and an optional {@code message}) as a progress bar; other payloads as a line of text.
   */
  public boolean progress(Object event) {
    return control.progress(event);
  }

  /** Whether the client cancelled this request or its deadline passed: stop work on it; any reply is dropped. */
  public boolean isCancelled() {
    return control.isCancelled();
  }

  /**
   * The payload as {@code type}, or a BAD_REQUEST reply and null when it is something else; for handlers that
   * accept one payload type.
   */
  public <T> T payloadAs(Class<T> type) {
    if (type.isInstance(payload)) {
      return type.cast(payload);
    }
    fail(Status.BAD_REQUEST, "'" + command + "' expects a " + type.getSimpleName() + " payload, got "
        + (payload == null ? "none" : payload.getClass().getSimpleName()));
    return null;
  }

  RequestControl control() {
    return control;
  }

  @Override
  public String toString() {
    return "HandlerRequest[id=" + id + ", command=" + command + ", payload=" + payload + ", deadline=" + deadline
        + ", peer=" + peer + "]";
  }
}
