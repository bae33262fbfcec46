package dev.omg.protocol;

/**
 * The one reply to a request, or a connection-level error (id 0).
 *
 * @param id the request's id, or 0 when the error concerns the connection rather than one request
 * @param status what happened
 * @param payload the handler's result when OK, else null
 * @param error a human-readable reason when not OK, else null
 * @param retryAfterMillis with OVERLOADED or UNAVAILABLE, how long the client should wait before retrying; else 0
 */
public record Response(long id, Status status, Object payload, String error, long retryAfterMillis)
    implements Envelope {

  public static Response ok(long id, Object payload) {
    return new Response(id, Status.OK, payload, null, 0);
  }

  public static Response error(long id, Status status, String error) {
    return new Response(id, status, null, error, 0);
  }

  public boolean isOk() {
    return status == Status.OK;
  }
}
