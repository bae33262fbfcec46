package dev.omg.handler;

import dev.omg.protocol.Status;

/**
 * What a handler answers to one {@link HandlerRequest}. The engine adds the request's id and sends it back on the
 * request's connection. A handler makes one with {@link #ok} or {@link #error} (or lets
 * {@link HandlerRequest#reply} and {@link HandlerRequest#fail} make it) and tells it to
 * {@link HandlerRequest#replyTo()}, from any thread; telling never blocks.
 *
 * @param status OK, or why not
 * @param payload the result when OK (any registered type, or null)
 * @param error a reason a person can act on when not OK
 * @param retryAfterMillis with OVERLOADED or UNAVAILABLE, when to retry; else 0
 */
public record HandlerReply(Status status, Object payload, String error, long retryAfterMillis) {
  /** An OK reply carrying {@code payload} (any registered type, or null). */
  public static HandlerReply ok(Object payload) {
    return new HandlerReply(Status.OK, payload, null, 0);
  }

  /** An error reply: {@code status} must not be OK; {@code error} is the reason the client shows. */
  public static HandlerReply error(Status status, String error) {
    if (status == Status.OK) {
      throw new IllegalArgumentException("an error reply needs a status other than OK");
    }
    return new HandlerReply(status, null, error, 0);
  }
}
