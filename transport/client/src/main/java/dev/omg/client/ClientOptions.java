package dev.omg.client;

import dev.omg.config.Version;
import dev.omg.transport.FrameHeader;
import java.time.Duration;
import java.util.Map;

/**
 * How a client connects.
 *
 * @param maxFrameSize largest payload sent or accepted, in bytes; match the engine's omg.transport.max-frame-size
 * @param callTimeout how long {@link EngineClient#call} waits for a reply, and how long
 *     {@link EngineClient#connect(java.nio.file.Path, ClientOptions)} may take in all (connect, hello, retries)
 * @param userTypes the application's payload types by registration id (ids from 100), as the engine registers them
 * @param agent how this client names itself in the hello, for the engine's logs
 * @param retry what to do when the engine answers OVERLOADED
 */
public record ClientOptions(int maxFrameSize, Duration callTimeout, Map<Integer, Class<?>> userTypes, String agent,
    RetryPolicy retry) {
  public ClientOptions {
    userTypes = Map.copyOf(userTypes);
  }

  public static ClientOptions defaults() {
    return new ClientOptions(FrameHeader.DEFAULT_MAX_FRAME_SIZE, Duration.ofSeconds(30), Map.of(),
        "omg-client/" + Version.get(), RetryPolicy.defaults());
  }

  public ClientOptions withCallTimeout(Duration timeout) {
    return new ClientOptions(maxFrameSize, timeout, userTypes, agent, retry);
  }

  public ClientOptions withMaxFrameSize(int bytes) {
    return new ClientOptions(bytes, callTimeout, userTypes, agent, retry);
  }

  public ClientOptions withUserTypes(Map<Integer, Class<?>> types) {
    return new ClientOptions(maxFrameSize, callTimeout, types, agent, retry);
  }

  public ClientOptions withAgent(String name) {
    return new ClientOptions(maxFrameSize, callTimeout, userTypes, name, retry);
  }

  public ClientOptions withRetry(RetryPolicy policy) {
    return new ClientOptions(maxFrameSize, callTimeout, userTypes, agent, policy);
  }
}
