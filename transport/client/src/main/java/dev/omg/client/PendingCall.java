package dev.omg.client;

import dev.omg.protocol.Response;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * A request sent with {@link EngineClient#stream}: its id, its one final reply, and a way to cancel it.
 *
 * @param id the request's id on this connection
 * @param reply completes with the final response (CANCELLED after a successful {@link #cancel()}), or
 *     exceptionally with an {@link IOException} if the connection ends first
 */
public record PendingCall(long id, CompletableFuture<Response> reply, EngineClient client) {
  /**
   * Asks the engine to cancel this request. The reply then completes with CANCELLED, unless the handler's
   * answer was already on its way (cancel and reply may cross). Returns at once.
   */
  public void cancel() throws IOException {
    client.cancel(id);
  }
}
