/**
 * INTERNAL API: the built-in commands ({@code ping}, {@code echo}, {@code status}, {@code commands}, {@code stop},
 * and the diagnostic {@code probe}, off by default). Their class names are what the engine's reference.conf, and a
 * user's file re-enabling {@code probe}, put under {@code omg.handlers.<command>.class}; their Java API is not for
 * compiling against.
 */
package dev.omg.handler.internal.builtin;
