package dev.omg.it.handlers;

/**
 * A payload type only the misconfigured worker of the cluster system test registers, so that its
 * {@code omg.serialization.register} differs from the engine's.
 *
 * @param text anything
 */
public record OddPayload(String text) {}
