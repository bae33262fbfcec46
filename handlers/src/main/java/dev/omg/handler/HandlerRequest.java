package dev.omg.handler;

import dev.omg.protocol.Status;
import java.time.Instant;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * One request, as a handler actor receives it. Answer exactly once through {@link #replyTo()} (or the
 * {@link #reply} and {@link #fail} shortcuts); a reply after the deadline is dropped, as the client has been told
 * TIMEOUT already.
 *
 * @param id the client's request id, for logs
 * @param command the command the request was routed by
 * @param payload what the client sent: any registered type, or null
 * @param deadline when the engine stops waiting and answers TIMEOUT
 * @param replyTo where the one reply goes
 */
public record HandlerRequest(long id, String command, Object payload, Instant deadline,
    ActorRef<HandlerReply> replyTo) {

  /** Answers OK with {@code result}. */
  public void reply(Object result) {
    replyTo.tell(HandlerReply.ok(result));
  }

  /** Answers with an error status and a reason a person can act on. */
  public void fail(Status status, String reason) {
    replyTo.tell(HandlerReply.error(status, reason));
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
}
