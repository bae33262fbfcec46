/**
 * INTERNAL API of the CLI and launcher: the client's HOCON settings, the engine's JVM options, log tails. Not for
 * applications; may change without notice.
 */
package dev.omg.client.internal;
