package dev.omg.protocol;

/**
 * Asks the engine to cancel a request in flight on this connection. The request then ends with a
 * {@link Status#CANCELLED} response (exactly one response, as always). A cancel for an id that is not in flight
 * (answered already, or never sent) is ignored: cancel and reply may cross.
 *
 * @param id the request's id
 */
public record Cancel(long id) implements Envelope {}
