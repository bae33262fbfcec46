/**
 * INTERNAL API: the engine's side of the handler API, which may change between releases. How handler blocks are
 * read from HOCON ({@link dev.omg.handler.internal.HandlerDefinition}) and how the engine makes and cancels
 * requests ({@link dev.omg.handler.internal.HandlerRequests}). Handlers never import it.
 */
package dev.omg.handler.internal;
