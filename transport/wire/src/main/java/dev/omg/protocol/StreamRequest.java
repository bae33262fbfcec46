package dev.omg.protocol;

/**
 * A {@link Request} whose sender also accepts {@link Progress} frames for it before the one {@link Response}.
 * The same fields in the same order as a request; a separate envelope (registration id 15) so that a version 1
 * client that never sends one never receives a progress frame it cannot read.
 *
 * @param id chosen by the client, echoed in every progress frame and in the reply; not 0
 * @param command the command name a handler is registered under
 * @param payload any registered type, or null
 */
public record StreamRequest(long id, String command, Object payload) implements Envelope {
  /** The same call as a plain request, as the engine routes it. */
  public Request toRequest() {
    return new Request(id, command, payload);
  }
}
