/**
 * The handler API: what a handler author compiles against, and the only package of the engine that is (see
 * docs/handlers.md). A handler is an actor: extend {@link dev.omg.handler.Handler}, serve each
 * {@link dev.omg.handler.HandlerRequest} in {@code handle}, answer through the request, and name the class in
 * HOCON under {@code omg.handlers.<command>}.
 *
 * <p>Threads: the engine calls a handler on the actor's own thread (its {@code dispatcher}), one message at a
 * time; a request may be answered, and may report progress, from any thread. Nothing in this package blocks.
 *
 * <p>Everything else in the engine ({@code dev.omg.handler.internal}, {@code dev.omg.routing},
 * {@code dev.omg.engine}, {@code dev.omg.transport}) is INTERNAL API and may change between releases; this package
 * imports none of it, and ApiSurfaceTest keeps its public signatures free of it.
 */
package dev.omg.handler;
