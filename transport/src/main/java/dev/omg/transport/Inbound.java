package dev.omg.transport;

import dev.omg.protocol.Envelope;

/**
 * INTERNAL API. What the decoding side of the stack hands up: a decoded envelope, or the reason a frame could not
 * be decoded. Decoding errors travel as values so that the connection can answer them before it closes.
 */
public sealed interface Inbound {
  record Received(Envelope envelope) implements Inbound {}

  /** @param requestId the id of the request that could not be read, when known, else 0 */
  record Malformed(long requestId, String reason) implements Inbound {}
}
