package dev.omg.protocol;

/**
 * A call to a command.
 *
 * @param id chosen by the client, echoed in the reply; 0 is reserved for connection-level errors
 * @param command the command name a handler is registered under, e.g. {@code echo}
 * @param payload any registered type, or null
 */
public record Request(long id, String command, Object payload) implements Envelope {}
