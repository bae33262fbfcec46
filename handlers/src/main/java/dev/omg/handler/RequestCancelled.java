package dev.omg.handler;

/**
 * The engine's word to the actor serving {@code request} that its client cancelled it or its deadline passed:
 * its own message, sent at most once per request, and only to the actor that took the request up.
 */
record RequestCancelled(HandlerRequest request) implements HandlerMessage {}
