package dev.omg.transport;

import dev.omg.protocol.Cancel;
import dev.omg.protocol.Envelope;
import dev.omg.protocol.Hello;
import dev.omg.protocol.Progress;
import dev.omg.protocol.ProtocolVersion;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.protocol.StreamRequest;
import java.util.function.BooleanSupplier;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * INTERNAL API. The per-connection protocol state machine: hello first, then requests. The one exception is
 * {@value #STOP_COMMAND}: it is served before (or without) a hello, so a client of any protocol version can stop
 * the engine (docs/protocol.md, "Stopping across versions"). Each inbound item becomes
 * a {@link Step}: a request to dispatch, or a reply to send at once; a fatal reply closes the connection after it
 * and after every reply still in flight. One instance per connection, used from one stream stage only.
 */
final class ConnectionProtocol {
  private static final Logger log = LoggerFactory.getLogger(ConnectionProtocol.class);
  /** The only command served without a hello. */
  static final String STOP_COMMAND = "stop";

  sealed interface Step {}

  /** Dispatch a request; {@code streamed} when the client accepts progress frames for it. */
  record Dispatch(Request request, boolean streamed) implements Step {}

  /** The client cancels a request in flight. */
  record CancelRequest(long id) implements Step {}

  record Reply(Envelope envelope, boolean closeAfter) implements Step {}

  private final String connection;
  private final String agent;
  private final BooleanSupplier acceptingRequests;
  private final LongPredicate reserveId;
  private final ClientWarnings warnings;
  private boolean open;

  /**
   * @param reserveId marks a request id in flight on this connection until its reply is ready; false when it
   *     already is
   * @param warnings the engine's limiters of the warnings a client can cause, shared by all its connections
   */
  ConnectionProtocol(String connection, String agent, BooleanSupplier acceptingRequests, LongPredicate reserveId,
      ClientWarnings warnings) {
    this.connection = connection;
    this.agent = agent;
    this.acceptingRequests = acceptingRequests;
    this.reserveId = reserveId;
    this.warnings = warnings;
  }

  Step onInbound(Inbound inbound) {
    if (inbound instanceof Inbound.Malformed malformed) {
      return fatal(malformed.requestId(), Status.PROTOCOL_ERROR, malformed.reason(), ClientWarnings.MALFORMED);
    }
    Envelope envelope = ((Inbound.Received) inbound).envelope();
    if (envelope instanceof StreamRequest stream) {
      if (!open) {
        return fatal(stream.id(), Status.PROTOCOL_ERROR, "request before hello: send a hello frame first");
      }
      return accept(stream.toRequest(), true);
    }
    if (envelope instanceof Cancel cancel) {
      if (!open) {
        return fatal(cancel.id(), Status.PROTOCOL_ERROR, "cancel before hello: send a hello frame first");
      }
      return new CancelRequest(cancel.id());
    }
    if (envelope instanceof Request request) {
      if (!open && !STOP_COMMAND.equals(request.command())) {
        return fatal(request.id(), Status.PROTOCOL_ERROR, "request before hello: send a hello frame first");
      }
      if (!open && acceptingRequests.getAsBoolean()) {
        log.info("{}: '{}' without a hello (allowed across protocol versions)", connection, STOP_COMMAND);
      }
      return accept(request, false);
    }
    if (envelope instanceof Hello hello) {
      if (open) {
        return fatal(0, Status.PROTOCOL_ERROR, "second hello on an open connection");
      }
      if (hello.protocolVersion() != ProtocolVersion.CURRENT) {
        return fatal(0, Status.VERSION_MISMATCH, "client speaks protocol version " + hello.protocolVersion()
            + ", this engine speaks protocol version " + ProtocolVersion.CURRENT);
      }
      open = true;
      log.debug("{}: hello from {}", connection, hello.agent());
      return new Reply(new Hello(ProtocolVersion.CURRENT, agent), false);
    }
    if (envelope instanceof Progress progress) {
      return fatal(progress.id(), Status.PROTOCOL_ERROR, "clients send requests, not progress frames");
    }
    return fatal(((Response) envelope).id(), Status.PROTOCOL_ERROR, "clients send requests, not responses");
  }

  /**
   * Id 0 names the connection itself, and an id pairs one request with one reply: either broken means the
   * client's bookkeeping cannot be trusted, so both close the connection (the requests in flight are answered
   * first, the earlier request with that id included).
   */
  private Step accept(Request request, boolean streamed) {
    if (request.id() == 0) {
      return fatal(0, Status.PROTOCOL_ERROR, "request id 0 is reserved for answers about the connection; number"
          + " requests from 1");
    }
    if (!acceptingRequests.getAsBoolean()) {
      return new Reply(Response.error(request.id(), Status.SHUTTING_DOWN,
          "the engine is shutting down and takes no new requests"), false);
    }
    if (!reserveId.test(request.id())) {
      return fatal(0, Status.PROTOCOL_ERROR, "request id " + request.id() + " is already in flight on this"
          + " connection; an id may be reused only after its reply");
    }
    return new Dispatch(request, streamed);
  }

  /** A framing failure: the byte stream cannot be trusted any more. */
  Step onFrameError(FrameException error) {
    return fatal(0, Status.PROTOCOL_ERROR, error.getMessage(),
        error instanceof FrameTimeoutException ? ClientWarnings.IDLE_CLOSED : ClientWarnings.MALFORMED);
  }

  private Reply fatal(long requestId, Status status, String reason) {
    return fatal(requestId, status, reason, ClientWarnings.PROTOCOL_ERROR);
  }

  /** Logged within the rate limit of its cause: a client can send bad input as often as it likes. */
  private Reply fatal(long requestId, Status status, String reason, String cause) {
    if (warnings.limiter(cause, log).allow()) {
      try (var mdc = requestId != 0 ? MDC.putCloseable("requestId", Long.toString(requestId)) : null) {
        log.warn("{}: {} ({}{}); closing the connection", connection, reason, status,
            requestId != 0 ? ", request " + requestId : "");
      }
    }
    return new Reply(Response.error(requestId, status, reason), true);
  }
}
