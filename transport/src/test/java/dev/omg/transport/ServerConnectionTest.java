package dev.omg.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.protocol.Envelope;
import java.util.concurrent.CompletionStage;
import java.util.Set;
import dev.omg.protocol.StreamRequest;
import dev.omg.protocol.Progress;
import dev.omg.protocol.Cancel;
import dev.omg.protocol.Hello;
import dev.omg.protocol.ProtocolVersion;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The whole per-connection flow, bytes in and bytes out, with the real framing and codec. */
class ServerConnectionTest {
  private static final int MAX = 4096;
  private static final Hello CLIENT_HELLO = new Hello(ProtocolVersion.CURRENT, "test");
  private static final Hello SERVER_HELLO = new Hello(ProtocolVersion.CURRENT, "omg-engine/test");
  private static ActorSystem system;
  private final KryoCodec codec = new KryoCodec(MAX);

  @BeforeAll
  static void start() {
    system = ActorSystem.create("ServerConnectionTest");
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  private static final RequestService ECHO = exchange ->
      CompletableFuture.completedFuture(Response.ok(exchange.request().id(), exchange.request().payload()));

  private ByteString frames(Envelope... envelopes) {
    ByteString bytes = ByteString.emptyByteString();
    for (Envelope envelope : envelopes) {
      bytes = bytes.concat(ByteString.fromArray(codec.encodeFrame(envelope)));
    }
    return bytes;
  }

  private Flow<ByteString, ByteString, ?> connection(RequestService service, boolean accepting, int inFlight) {
    return ServerConnection.create("test-conn", SERVER_HELLO.agent(), codec, inFlight, Framing.NO_TIMEOUT, service,
        () -> accepting, null, 256, ConnectionBudget.unlimited());
  }

  /** Runs the connection over {@code input} (then end of input) and decodes every frame it wrote. */
  private List<Envelope> exchange(RequestService service, boolean accepting, ByteString... input)
      throws Exception {
    ByteString output = Source.from(List.of(input))
        .via(connection(service, accepting, 8))
        .runFold(ByteString.emptyByteString(), ByteString::concat, system)
        .toCompletableFuture().get(5, TimeUnit.SECONDS);
    return decodeAll(output);
  }

  private List<Envelope> decodeAll(ByteString output) {
    byte[] bytes = output.toArray();
    List<Envelope> envelopes = new ArrayList<>();
    int offset = 0;
    while (offset < bytes.length) {
      int length = FrameHeader.read(bytes, offset);
      envelopes.add(codec.decode(bytes, offset + FrameHeader.LENGTH, length));
      offset += FrameHeader.LENGTH + length;
    }
    return envelopes;
  }

  @Test
  void answersHelloThenEachRequestWithItsId() throws Exception {
    List<Envelope> out = exchange(ECHO, true,
        frames(CLIENT_HELLO, new Request(1, "echo", "a"), new Request(2, "echo", "b")));
    assertEquals(SERVER_HELLO, out.get(0));
    assertEquals(List.of(Response.ok(1, "a"), Response.ok(2, "b")),
        out.subList(1, 3).stream().sorted((x, y) -> Long.compare(((Response) x).id(), ((Response) y).id())).toList());
  }

  @Test
  void answersRequestBeforeHelloWithProtocolErrorAndCloses() throws Exception {
    List<Envelope> out = exchange(ECHO, true,
        frames(new Request(5, "echo", "a"), CLIENT_HELLO, new Request(6, "echo", "b")));
    assertEquals(List.of(Response.error(5, Status.PROTOCOL_ERROR,
        "request before hello: send a hello frame first")), out);
  }

  @Test
  void refusesRequestIdZeroWithProtocolErrorAndCloses() throws Exception {
    List<Envelope> out = exchange(ECHO, true,
        frames(CLIENT_HELLO, new Request(0, "echo", "a"), new Request(1, "echo", "b")));
    assertEquals(List.of(SERVER_HELLO, Response.error(0, Status.PROTOCOL_ERROR,
        "request id 0 is reserved for answers about the connection; number requests from 1")), out);
  }

  @Test
  void refusesAnIdStillInFlightThenAnswersTheFirstRequestAndCloses() throws Exception {
    CompletableFuture<Response> first = new CompletableFuture<>();
    RequestService held = exchange -> first;
    List<Envelope> seen = new CopyOnWriteArrayList<>();
    ByteString[] written = {ByteString.emptyByteString()};
    CompletionStage<?> done = Source.single(frames(CLIENT_HELLO, new Request(1, "echo", "a"),
            new Request(1, "echo", "b"), new Request(2, "echo", "c")))
        .via(connection(held, true, 8))
        .runForeach(bytes -> {
          written[0] = written[0].concat(bytes);
          seen.clear();
          seen.addAll(decodeAll(written[0]));
          // The first request is answered only once the refusal of the second is out: it was still in flight.
          if (seen.stream().anyMatch(e -> e instanceof Response r && r.status() == Status.PROTOCOL_ERROR)) {
            first.complete(Response.ok(1, "a"));
          }
        }, system);
    done.toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(List.of(SERVER_HELLO, Response.error(0, Status.PROTOCOL_ERROR,
        "request id 1 is already in flight on this connection; an id may be reused only after its reply"),
        Response.ok(1, "a")), seen);
  }

  @Test
  void acceptsAnIdAgainOnceItsReplyIsReady() throws Exception {
    List<Envelope> out = exchange(ECHO, true,
        frames(CLIENT_HELLO, new Request(1, "echo", "a"), new Request(1, "echo", "b")));
    assertEquals(List.of(SERVER_HELLO, Response.ok(1, "a"), Response.ok(1, "b")), out);
  }

  @Test
  void servesStopWithoutAHelloSoAClientOfAnyVersionCanStopTheEngine() throws Exception {
    List<Envelope> out = exchange(ECHO, true, frames(new Request(1, "stop", null)));
    assertEquals(List.of(Response.ok(1, null)), out);
  }

  @Test
  void answersAnythingButStopAfterAHellolessStopWithProtocolError() throws Exception {
    List<Envelope> out = exchange(ECHO, true, frames(new Request(1, "stop", null), new Request(2, "echo", "x")));
    assertEquals(List.of(Response.ok(1, null),
        Response.error(2, Status.PROTOCOL_ERROR, "request before hello: send a hello frame first")), out);
  }

  @Test
  void answersWrongProtocolVersionNamingBothVersions() throws Exception {
    List<Envelope> out = exchange(ECHO, true, frames(new Hello(99, "future-client")));
    assertEquals(List.of(Response.error(0, Status.VERSION_MISMATCH,
        "client speaks protocol version 99, this engine speaks protocol version 1")), out);
  }

  @Test
  void answersASecondHelloWithProtocolError() throws Exception {
    List<Envelope> out = exchange(ECHO, true, frames(CLIENT_HELLO, CLIENT_HELLO, new Request(1, "echo", "x")));
    assertEquals(List.of(SERVER_HELLO,
        Response.error(0, Status.PROTOCOL_ERROR, "second hello on an open connection")), out);
  }

  @Test
  void answersAResponseFromTheClientWithProtocolError() throws Exception {
    List<Envelope> out = exchange(ECHO, true, frames(CLIENT_HELLO, Response.ok(3, "x")));
    assertEquals(Response.error(3, Status.PROTOCOL_ERROR, "clients send requests, not responses"), out.get(1));
  }

  @Test
  void answersEarlierRequestsThenProtocolErrorForAnOversizedFrame() throws Exception {
    List<Envelope> out = exchange(ECHO, true,
        frames(CLIENT_HELLO, new Request(1, "echo", "kept")),
        ByteString.fromArray(new byte[] {0, 0, 0x10, 1}),
        frames(new Request(2, "echo", "never read")));
    assertEquals(List.of(SERVER_HELLO, Response.ok(1, "kept"),
        Response.error(0, Status.PROTOCOL_ERROR, "frame length 4097 exceeds the maximum of 4096 bytes")), out);
  }

  @Test
  void answersGarbageInsideAValidFrameWithProtocolErrorCarryingTheRequestId() throws Exception {
    ByteString garbage = ByteString.fromArray(new byte[] {0, 0, 0, 12, 0x0d, 42, 0, 0, 0, 0, 0, 0, 0, 2, 0x78, 0x64});
    List<Envelope> out = exchange(ECHO, true, frames(CLIENT_HELLO), garbage);
    assertEquals(List.of(SERVER_HELLO, Response.error(42, Status.PROTOCOL_ERROR,
        "malformed payload: unregistered type id 98 (tag 100)")), out);
  }

  @Test
  void answersNewRequestsShuttingDownWhileDrainingAndKeepsTheConnection() throws Exception {
    List<Envelope> out = exchange(ECHO, false,
        frames(CLIENT_HELLO, new Request(1, "echo", "a"), new Request(2, "echo", "b")));
    String reason = "the engine is shutting down and takes no new requests";
    assertEquals(List.of(SERVER_HELLO, Response.error(1, Status.SHUTTING_DOWN, reason),
        Response.error(2, Status.SHUTTING_DOWN, reason)), out);
  }

  @Test
  void turnsAReplyTooLargeForAFrameIntoHandlerErrorForThatRequestOnly() throws Exception {
    RequestService huge = exchange -> CompletableFuture.completedFuture(
        Response.ok(exchange.request().id(), exchange.request().id() == 1 ? new byte[MAX] : "small"));
    List<Envelope> out = exchange(huge, true,
        frames(CLIENT_HELLO, new Request(1, "big", null), new Request(2, "small", null)));
    assertEquals(SERVER_HELLO, out.get(0));
    assertTrue(out.contains(Response.error(1, Status.HANDLER_ERROR,
        "the reply cannot be sent: encoded payload exceeds the maximum frame size of 4096 bytes")), out.toString());
    assertTrue(out.contains(Response.ok(2, "small")), out.toString());
  }

  @Test
  void turnsAFailedDispatchIntoHandlerErrorForThatRequestOnly() throws Exception {
    RequestService failing = exchange -> exchange.request().id() == 1
        ? CompletableFuture.failedFuture(new IllegalStateException("boom"))
        : CompletableFuture.completedFuture(Response.ok(exchange.request().id(), "fine"));
    List<Envelope> out = exchange(failing, true,
        frames(CLIENT_HELLO, new Request(1, "x", null), new Request(2, "x", null)));
    assertTrue(out.contains(Response.error(1, Status.HANDLER_ERROR,
        "request failed: java.lang.IllegalStateException: boom")), out.toString());
    assertTrue(out.contains(Response.ok(2, "fine")), out.toString());
  }

  @Test
  void dispatchesNoMoreThanTheInFlightBoundUntilARequestIsAnswered() throws Exception {
    List<CompletableFuture<Response>> dispatched = new CopyOnWriteArrayList<>();
    Semaphore calls = new Semaphore(0);
    RequestService stuck = exchange -> {
      CompletableFuture<Response> reply = new CompletableFuture<>();
      dispatched.add(reply);
      calls.release();
      return reply;
    };
    List<Envelope> input = new ArrayList<>(List.of(CLIENT_HELLO));
    for (int id = 1; id <= 10; id++) {
      input.add(new Request(id, "slow", null));
    }
    // Input stays open (Source.maybe) so that only the in-flight bound limits what is read.
    Pair<CompletableFuture<Optional<ByteString>>, ?> running = Source.single(frames(input.toArray(new Envelope[0])))
        .concatMat(Source.<ByteString>maybe(), Keep.right())
        .via(connection(stuck, true, 3))
        .toMat(Sink.ignore(), Keep.both())
        .run(system);
    assertTrue(calls.tryAcquire(3, 5, TimeUnit.SECONDS), "three requests dispatched");
    assertEquals(false, calls.tryAcquire(1, 300, TimeUnit.MILLISECONDS), "a fourth waits for a free slot");
    dispatched.get(0).complete(Response.ok(1, null));
    assertTrue(calls.tryAcquire(1, 5, TimeUnit.SECONDS), "a fourth once one was answered");
    assertEquals(4, dispatched.size());
    running.first().complete(Optional.empty());
  }

  @Test
  void completesAfterInFlightRepliesWhenTheClientStopsSending() throws Exception {
    CompletableFuture<Response> late = new CompletableFuture<>();
    AtomicBoolean dispatched = new AtomicBoolean();
    RequestService slow = exchange -> {
      dispatched.set(true);
      return late;
    };
    CompletableFuture<ByteString> output = Source.single(frames(CLIENT_HELLO, new Request(9, "slow", null)))
        .via(connection(slow, true, 8))
        .runFold(ByteString.emptyByteString(), ByteString::concat, system)
        .toCompletableFuture();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!dispatched.get()) {
      assertTrue(System.nanoTime() < deadline, "the request was not dispatched within 5 s");
      Thread.onSpinWait();
    }
    late.complete(Response.ok(9, "done"));
    assertEquals(List.of(SERVER_HELLO, Response.ok(9, "done")), decodeAll(output.get(5, TimeUnit.SECONDS)));
  }

  /** Reports three progress events, then answers "done"; a cancel is answered CANCELLED instead. */
  private static final RequestService PROGRESSING = new RequestService() {
    @Override
    public CompletionStage<Response> serve(Exchange exchange) {
      long id = exchange.request().id();
      if ("wait".equals(exchange.request().command())) {
        return exchange.whenCancelled().thenApply(cancelled -> Response.error(id, Status.CANCELLED, "cancelled"));
      }
      List<Boolean> sent = new ArrayList<>();
      for (int step = 1; step <= 3; step++) {
        sent.add(exchange.progress("step " + step));
      }
      return CompletableFuture.completedFuture(Response.ok(id, "done " + sent));
    }
  };

  @Test
  void sendsAStreamRequestsProgressFramesInOrderBeforeItsReply() throws Exception {
    List<Envelope> out = exchange(PROGRESSING, true, frames(CLIENT_HELLO, new StreamRequest(4, "install", null)));
    assertEquals(List.of(SERVER_HELLO, new Progress(4, 1, "step 1"), new Progress(4, 2, "step 2"),
        new Progress(4, 3, "step 3"), Response.ok(4, "done [true, true, true]")), out);
  }

  @Test
  void sendsNoProgressFramesForAPlainRequest() throws Exception {
    List<Envelope> out = exchange(PROGRESSING, true, frames(CLIENT_HELLO, new Request(4, "install", null)));
    assertEquals(List.of(SERVER_HELLO, Response.ok(4, "done [false, false, false]")), out);
  }

  @Test
  void aCancelEndsItsRequestAndAnUnknownIdIsIgnored() throws Exception {
    List<Envelope> out = exchange(PROGRESSING, true, frames(CLIENT_HELLO, new StreamRequest(3, "wait", null),
        new Cancel(99), new Cancel(3), new Request(5, "install", null)));
    assertEquals(SERVER_HELLO, out.get(0));
    assertEquals(Set.of(Response.error(3, Status.CANCELLED, "cancelled"), Response.ok(5, "done [false, false, false]")),
        Set.copyOf(out.subList(1, out.size())));
    assertEquals(3, out.size());
  }

  @Test
  void answersACancelBeforeHelloWithProtocolError() throws Exception {
    List<Envelope> out = exchange(PROGRESSING, true, frames(new Cancel(3), CLIENT_HELLO));
    assertEquals(List.of(Response.error(3, Status.PROTOCOL_ERROR, "cancel before hello: send a hello frame first")),
        out);
  }

  @Test
  void answersAProgressFrameFromTheClientWithProtocolError() throws Exception {
    List<Envelope> out = exchange(PROGRESSING, true, frames(CLIENT_HELLO, new Progress(3, 1, null)));
    assertEquals(List.of(SERVER_HELLO,
        Response.error(3, Status.PROTOCOL_ERROR, "clients send requests, not progress frames")), out);
  }
}
