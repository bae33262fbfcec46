/**
 * The client API: what a Java program that calls an omg-engine compiles against (README, "Using it from Java").
 * {@link dev.omg.client.EngineClient} connects, says hello and sends requests; {@link dev.omg.client.PendingCall}
 * is a request with progress and cancel; {@link dev.omg.client.ClientOptions}, {@link dev.omg.client.RetryPolicy}
 * and {@link dev.omg.client.Deadline} shape the waits; {@link dev.omg.client.AutoStart} starts an engine when none
 * answers. No Pekko, Scala or native library: the JDK's own Unix-domain socket, Kryo and the wire types.
 *
 * <p>Threads: a blocking call reads its own reply on the calling thread when no other thread reads the
 * connection; otherwise a reader thread of the client completes reply futures and runs progress callbacks, so
 * callbacks must not block. {@code dev.omg.client.internal} is for the CLI and launcher only.
 */
package dev.omg.client;
