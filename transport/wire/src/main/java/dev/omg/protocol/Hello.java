package dev.omg.protocol;

/**
 * The first frame in each direction: the client announces the protocol version it speaks and the engine answers
 * with its own. A mismatch is answered {@link Status#VERSION_MISMATCH} naming both versions, then the connection
 * closes.
 *
 * @param protocolVersion the wire protocol version, {@link ProtocolVersion#CURRENT} for this build
 * @param agent a free-form name and version of the sender, for logs (e.g. {@code omg-engine/0.1.0})
 */
public record Hello(int protocolVersion, String agent) implements Envelope {}
