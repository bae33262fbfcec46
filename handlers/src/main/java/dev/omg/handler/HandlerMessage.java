package dev.omg.handler;

/**
 * What a handler actor receives: a {@link HandlerRequest} to serve, or, from the engine only, word that a request
 * the actor is serving was cancelled, which {@link Handler} turns into a call of {@link Handler#onCancel}. It is
 * the type of the actor's context and reference ({@code ActorContext<HandlerMessage>},
 * {@code ActorRef<HandlerMessage>}); a handler only ever sees requests in {@link Handler#handle}.
 *
 * <p>Sealed: the engine's cancel is package-private, so that no one else can make one.
 */
public sealed interface HandlerMessage permits HandlerRequest, RequestCancelled {}
