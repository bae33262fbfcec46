/**
 * INTERNAL API: how requests reach handler actors ({@link dev.omg.routing.RequestRouter} in front of the
 * {@link dev.omg.routing.Router} actor), with their bounds, timeouts, cancels and counters. It may change between
 * releases; handlers use {@code dev.omg.handler} only.
 */
package dev.omg.routing;
