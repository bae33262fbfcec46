package dev.omg.protocol;

/**
 * An event about a request still in progress, sent by the engine only for a {@link StreamRequest}, always before
 * that request's {@link Response}.
 *
 * @param id the request's id
 * @param seq 1 for the request's first event, then one more for each; a gap means events were dropped because
 *     the client did not read them fast enough (docs/protocol.md, "Progress")
 * @param payload what the handler reported: any registered type, or null
 */
public record Progress(long id, long seq, Object payload) implements Envelope {}
