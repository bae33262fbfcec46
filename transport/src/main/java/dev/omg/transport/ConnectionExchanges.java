package dev.omg.transport;

import dev.omg.protocol.Request;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API. The requests in flight on one connection, by id: where a Cancel finds its request, and the
 * connection's one bounded queue of progress frames. One instance per materialized connection.
 */
final class ConnectionExchanges {
  private static final Logger log = LoggerFactory.getLogger(ConnectionExchanges.class);

  private final String connection;
  private final PeerCredentials peer;
  private final ProgressMerge.Queue progressQueue;
  private final WarningLimiter dropWarnings;
  private final Map<Long, Exchange> inFlight = new ConcurrentHashMap<>();
  private final Set<Long> reserved = ConcurrentHashMap.newKeySet();

  ConnectionExchanges(String connection, PeerCredentials peer, ProgressMerge.Queue progressQueue,
      WarningLimiter dropWarnings) {
    this.connection = connection;
    this.peer = peer;
    this.progressQueue = progressQueue;
    this.dropWarnings = dropWarnings;
  }

  /**
   * Claims a request id as it is read, before it is dispatched; false when a request with that id is still in
   * flight (its reply not yet ready), which the protocol refuses.
   */
  boolean reserve(long id) {
    return reserved.add(id);
  }

  /** Registers a request whose id was reserved. */
  Exchange open(Request request, boolean streamed) {
    Exchange exchange = new Exchange(request, peer, streamed, progressQueue, dropWarnings);
    inFlight.put(request.id(), exchange);
    return exchange;
  }

  /** The request's reply is ready: its id is free again (the client can only reuse it once it has the reply). */
  void close(Exchange exchange) {
    inFlight.remove(exchange.request().id(), exchange);
    reserved.remove(exchange.request().id());
  }

  /** A client's Cancel: the request's dispatcher decides what it means; unknown ids are ignored. */
  void cancel(long id) {
    Exchange exchange = inFlight.get(id);
    if (exchange == null) {
      log.debug("{}: cancel for request {}, which is not in flight; ignored", connection, id);
      return;
    }
    exchange.cancel();
  }

  /** No more progress frames: the connection's flow has ended. */
  void shutdown() {
    progressQueue.complete();
  }
}
