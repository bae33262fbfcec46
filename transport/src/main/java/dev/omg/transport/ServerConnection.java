package dev.omg.transport;

import dev.omg.protocol.Envelope;
import dev.omg.protocol.Progress;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.japi.pf.PFBuilder;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * INTERNAL API. The engine's side of one connection as a Flow of bytes:
 *
 * <pre>
 * bytes -> framing -> decode -> protocol (hello, errors, cancel) -> dispatch (at most maxInFlight at once)
 *       -> merge progress frames -> encode -> framing -> bytes
 * </pre>
 *
 * The in-flight bound is the backpressure: with that many requests unanswered the flow stops pulling, so the
 * socket is not read and the client's writes block in the kernel.
 */
public final class ServerConnection {
  private static final Logger log = LoggerFactory.getLogger(ServerConnection.class);

  private ServerConnection() {}

  /**
   * Decodes a frame that took {@link Framing#weight} bytes of {@code budget}; when it decoded to more heap than
   * that, the excess is taken too, so the bounds count decoded bytes, not wire bytes.
   */
  private static Framed decodeWeighed(KryoCodec codec, ByteString payload, ConnectionBudget budget) {
    long weight = Framing.weight(payload.size());
    byte[] bytes = payload.toArrayUnsafe();
    try {
      KryoCodec.Decoded decoded = codec.decodeMeasured(bytes, 0, bytes.length);
      long excess = decoded.heapBytes() + Framing.FRAME_OVERHEAD - weight;
      if (excess > 0) {
        budget.takeAnyway(excess);
        weight += excess;
      }
      return new Framed(new Inbound.Received(decoded.envelope()), weight);
    } catch (MalformedPayloadException e) {
      return new Framed(new Inbound.Malformed(e.requestId(), "malformed payload: " + e.getMessage()), weight);
    }
  }

  /** A decoded frame and the weight it took from the connection's budget. */
  private record Framed(Inbound inbound, long weight) {}

  /**
   * The whole per-connection flow.
   *
   * @param name how logs name this connection, e.g. {@code conn-7 (pid 123)}
   * @param agent what the engine's hello says it is
   * @param maxInFlight requests dispatched and not yet answered, at most
   * @param frameIdleTimeout how long a begun frame may wait for its next byte; {@link Framing#NO_TIMEOUT} for ever
   * @param acceptingRequests false once the engine drains for shutdown: new requests get SHUTTING_DOWN
   * @param peer who is at the other end, handed to handlers; null when unknown
   * @param progressBuffer progress frames waiting to be written, at most; more are dropped (see {@link Exchange})
   * @param budget this connection's bytes of requests read and not yet answered (see {@link ConnectionBudget}); closed,
   *     giving everything back, when the connection ends
   */
  public static Flow<ByteString, ByteString, NotUsed> create(String name, String agent, KryoCodec codec,
      int maxInFlight, Duration frameIdleTimeout, RequestService service, BooleanSupplier acceptingRequests,
      PeerCredentials peer, int progressBuffer, ConnectionBudget budget) {
    int maxFrame = codec.maxPayloadSize();
    Flow<Framed, Object, NotUsed> protocol = Flow.fromMaterializer((materializer, attributes) -> {
      ClientWarnings warnings = ClientWarnings.get(materializer.system());
      ProgressMerge.Queue progress = new ProgressMerge.Queue(progressBuffer);
      ConnectionExchanges exchanges = new ConnectionExchanges(name, peer, progress,
          warnings.limiter(ClientWarnings.DROPPED_PROGRESS, LoggerFactory.getLogger(Exchange.class)));
      return Flow.of(Framed.class)
          .map(framed -> (Object) framed)
          .recover(new PFBuilder<Throwable, Object>()
              .match(FrameException.class, e -> e)
              .build())
          .statefulMap(
              () -> new ConnectionProtocol(name, agent, acceptingRequests, exchanges::reserve, warnings),
              (state, item) -> Pair.create(state, item instanceof FrameException e
                  ? new DispatchStage.Weighed<>(state.onFrameError(e), 0)
                  : new DispatchStage.Weighed<>(state.onInbound(((Framed) item).inbound()),
                      ((Framed) item).weight())),
              state -> Optional.empty())
          .takeWhile(step -> !(step.step() instanceof ConnectionProtocol.Reply reply && reply.closeAfter()), true)
          // A cancel is acted on here and goes no further. It is read in order with the requests, so it waits
          // while the connection has maxInFlight requests unanswered (docs/protocol.md, "Cancel").
          // (A filter, not mapConcat: mapConcat keeps its last iterator, and with it the last request's decoded
          // payload, until the next element comes; a silent client would pin one decoded frame.)
          .filter(step -> {
            if (step.step() instanceof ConnectionProtocol.CancelRequest cancel) {
              exchanges.cancel(cancel.id());
              budget.release(step.weight());
              return false;
            }
            return true;
          })
          .via(Flow.fromGraph(new DispatchStage<ConnectionProtocol.Step>(maxInFlight, budget,
              step -> step instanceof ConnectionProtocol.Dispatch dispatch
                  ? dispatch(service, exchanges, dispatch).thenApply(response -> encoded(codec, response))
                  : CompletableFuture.completedFuture(encoded(codec, ((ConnectionProtocol.Reply) step).envelope())))))
          // Progress frames join the replies; a reply waits for its own progress frames, so they come first.
          .via(Flow.fromGraph(new ProgressMerge(progress)))
          .map(item -> item instanceof Exchange.Frame frame
              ? frame.owner().emitted(frame.progress())
              : item)
          .watchTermination((notUsed, done) -> {
            done.whenCompleteAsync((ok, failure) -> {
              exchanges.shutdown();
              budget.close();
            }, DirectExecutor.INSTANCE);
            return NotUsed.getInstance();
          });
    }).mapMaterializedValue(future -> NotUsed.getInstance());
    // Answers arrive encoded (see encoded()); progress frames are encoded here, as they go out.
    BidiFlow<Object, ByteString, ByteString, Framed, NotUsed> codecLayer = BidiFlow.fromFunctions(
        item -> item instanceof ByteString encoded ? encoded : ByteString.fromArrayUnsafe(encode(codec, (Envelope) item)),
        payload -> decodeWeighed(codec, payload, budget));
    return codecLayer.atop(Framing.bidi(maxFrame, frameIdleTimeout, budget)).reversed().join(protocol);
  }

  /**
   * An answer encoded as soon as it exists, on whichever thread produced it: what waits for a slow socket is its
   * bytes, never the request's decoded payload (which an echo answer shares), so a client that does not read
   * holds bytes, not object graphs.
   */
  private static ByteString encoded(KryoCodec codec, Object envelope) {
    return ByteString.fromArrayUnsafe(encode(codec, (Envelope) envelope));
  }

  private static CompletionStage<Object> dispatch(RequestService service, ConnectionExchanges exchanges,
      ConnectionProtocol.Dispatch dispatch) {
    long id = dispatch.request().id();
    Exchange exchange = exchanges.open(dispatch.request(), dispatch.streamed());
    CompletionStage<Response> reply;
    try {
      reply = service.serve(exchange)
          .exceptionallyAsync(e -> Response.error(id, Status.HANDLER_ERROR, "request failed: " + e),
              DirectExecutor.INSTANCE);
    } catch (RuntimeException e) {
      try (var mdc = MDC.putCloseable("requestId", Long.toString(id))) {
        log.error("dispatching request {} failed", id, e);
      }
      reply = CompletableFuture.completedFuture(Response.error(id, Status.HANDLER_ERROR, "request failed: " + e));
    }
    return reply.thenComposeAsync(response -> {
      exchanges.close(exchange);
      return exchange.finish().thenApply(drained -> (Object) response);
    }, DirectExecutor.INSTANCE);
  }

  /**
   * A reply the codec cannot write (a handler returned an unregistered type, or more than a frame holds) must
   * not kill the connection: it becomes a HANDLER_ERROR for that request only.
   */
  static byte[] encode(KryoCodec codec, Envelope envelope) {
    try {
      return codec.encode(envelope);
    } catch (PayloadTooLargeException | IllegalArgumentException e) {
      if (envelope instanceof Progress progress) {
        // The frame keeps its place and seq, so the client sees that an event was lost and why in the log.
        try (var id = MDC.putCloseable("requestId", Long.toString(progress.id()))) {
          log.warn("progress {} of request {} cannot be sent, sending it without its payload: {}", progress.seq(),
              progress.id(), e.getMessage());
        }
        return codec.encode(new Progress(progress.id(), progress.seq(), null));
      }
      if (!(envelope instanceof Response response)) {
        throw e;
      }
      try (var id = MDC.putCloseable("requestId", Long.toString(response.id()))) {
        log.warn("reply to request {} cannot be sent: {}", response.id(), e.getMessage());
      }
      return codec.encode(
          Response.error(response.id(), Status.HANDLER_ERROR, "the reply cannot be sent: " + e.getMessage()));
    }
  }
}
