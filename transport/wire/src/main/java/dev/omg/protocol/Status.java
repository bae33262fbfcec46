package dev.omg.protocol;

/**
 * The outcome of a request, as carried on the wire. Codes are fixed forever: a code is never renumbered and a
 * retired code is never reused, so clients written against any version keep understanding replies.
 * A code this client does not know decodes as {@link #UNKNOWN}.
 */
public enum Status {
  /** The handler answered; the payload is its result. */
  OK(0),
  /** No handler is registered for the command; the error lists the known commands. */
  UNKNOWN_COMMAND(1),
  /** The handler rejected the payload (wrong type, missing field, invalid value). */
  BAD_REQUEST(2),
  /** The handler failed while serving this request; other requests are unaffected. */
  HANDLER_ERROR(3),
  /** No reply within the request's deadline. */
  TIMEOUT(4),
  /** The engine or connection is at a limit; retry after {@code retryAfterMillis}. */
  OVERLOADED(5),
  /** The request was cancelled before it completed. */
  CANCELLED(6),
  /** The peer's credentials are not allowed to use this engine; the connection is closed. */
  UNAUTHORIZED(7),
  /** The bytes received break the protocol (bad frame, undecodable payload, request before hello); closes. */
  PROTOCOL_ERROR(8),
  /** The hello named a protocol version this engine does not speak; the error names both; closes. */
  VERSION_MISMATCH(9),
  /** The engine is draining for shutdown and takes no new requests. */
  SHUTTING_DOWN(10),
  /**
   * No worker node can serve this clustered command right now (none is up with its role, or the one serving the
   * request left or became unreachable); retry after {@code retryAfterMillis}.
   */
  UNAVAILABLE(11),
  /** A code this side does not know (sent by a newer peer). Never sent. */
  UNKNOWN(-1);

  private static final Status[] BY_CODE = new Status[12];

  static {
    for (Status status : values()) {
      if (status.code >= 0) {
        BY_CODE[status.code] = status;
      }
    }
  }

  private final int code;

  Status(int code) {
    this.code = code;
  }

  /** The number written on the wire. */
  public int code() {
    return code;
  }

  /** The status for a wire code, or {@link #UNKNOWN} for a code this side does not know. */
  public static Status fromCode(int code) {
    return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : UNKNOWN;
  }
}
