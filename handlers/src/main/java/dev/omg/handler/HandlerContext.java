package dev.omg.handler;

import com.typesafe.config.Config;

/**
 * What the engine hands a handler when it creates it.
 *
 * @param command the command name the handler serves
 * @param config the handler's own block, {@code omg.handlers.<command>}, with any options the user set there
 * @param engine the engine the handler runs in
 */
public record HandlerContext(String command, Config config, EngineInfo engine) {}
