package dev.omg.protocol;

/**
 * A message as it travels in one frame. docs/protocol.md gives the byte layout of each kind, and
 * {@code dev.omg.transport.WireFormat} holds their registration ids.
 */
public sealed interface Envelope permits Hello, Request, Response, Progress, Cancel, StreamRequest {}
