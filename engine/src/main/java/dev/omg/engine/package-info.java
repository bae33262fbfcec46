/**
 * INTERNAL API: the engine's main class, CLI, wiring and lifecycle (lock, signals, drain). Nothing here is for
 * compiling against; handlers use {@code dev.omg.handler}, Java clients {@code dev.omg.client}.
 */
package dev.omg.engine;
