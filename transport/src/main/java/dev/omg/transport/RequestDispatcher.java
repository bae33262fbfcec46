package dev.omg.transport;

import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import java.util.concurrent.CompletionStage;

/**
 * INTERNAL API. Where a connection sends each well-formed request: the routing layer implements it. The returned
 * stage must complete exactly once, with the request's own id, whatever the handler does (including timeouts).
 */
@FunctionalInterface
public interface RequestDispatcher {
  CompletionStage<Response> dispatch(Request request);

  /**
   * Dispatches a request with its connection's context: the peer, progress frames and cancellation. Dispatchers
   * that need none of it keep this default.
   */
  default CompletionStage<Response> dispatch(Exchange exchange) {
    return dispatch(exchange.request());
  }
}
