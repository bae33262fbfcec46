package dev.omg.transport;

import dev.omg.protocol.Response;
import java.util.concurrent.CompletionStage;

/**
 * INTERNAL API. What serves a connection's well-formed requests: the routing layer implements it. Each request
 * comes with its connection's context (the peer, progress frames, cancellation); the returned stage must complete
 * exactly once, with the request's own id, whatever the handler does (including timeouts).
 */
@FunctionalInterface
public interface RequestService {
  CompletionStage<Response> serve(Exchange exchange);
}
