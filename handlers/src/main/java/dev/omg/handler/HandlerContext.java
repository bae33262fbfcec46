package dev.omg.handler;

import com.typesafe.config.Config;

/**
 * What the engine hands a handler's constructor when it creates the actor (at start, and again at each restart);
 * the handler reads it from {@link Handler#handlerContext()}. An immutable value, safe to read from any thread.
 *
 * @param command the command name the handler serves
 * @param config the handler's own block, {@code omg.handlers.<command>}, with any options the user set there
 * @param engine the engine the handler runs in
 */
public record HandlerContext(String command, Config config, EngineInfo engine) {}
