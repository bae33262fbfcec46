package dev.omg.it.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.client.EngineClient;
import dev.omg.it.EngineProcess;
import dev.omg.protocol.Envelope;
import dev.omg.protocol.Hello;
import dev.omg.protocol.ProtocolVersion;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.transport.FrameHeader;
import dev.omg.transport.KryoCodec;
import java.io.DataInputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** Handlers that throw, never answer, answer twice or too late: each fails only its own request. */
class HandlerFaultsSystemTest {
  @TempDir
  static Path dir;
  private static EngineProcess engine;

  @BeforeAll
  static void start() throws Exception {
    engine = FaultEngine.start(dir.resolve("omg"), "");
  }

  @AfterAll
  static void stop() throws Exception {
    engine.close();
  }

  @Test
  void aThrowingHandlerFailsOnlyItsRequestAndIsRestarted() throws Exception {
    try (EngineClient client = EngineClient.connect(engine.socket())) {
      assertEquals(1, client.call("fragile", "a").payload());
      assertEquals(2, client.call("fragile", "b").payload());
      Response failed = client.call("fragile", "boom");
      assertEquals(Status.HANDLER_ERROR, failed.status());
      assertEquals("'fragile' failed: java.lang.IllegalStateException: boom", failed.error());
      // A new instance: its count starts again, and the connection was never disturbed.
      assertEquals(1, client.call("fragile", "c").payload());
      assertEquals("still here", client.call("echo", "still here").payload());
    }
  }

  @Test
  void aHandlerThatNeverRepliesIsAnsweredTimeout() throws Exception {
    try (EngineClient client = EngineClient.connect(engine.socket())) {
      Response reply = client.call("silent", null);
      assertEquals(Status.TIMEOUT, reply.status());
      assertEquals("'silent' did not reply within 1000 ms", reply.error());
      assertEquals(Status.OK, client.call("ping", null).status());
    }
  }

  @Test
  void aSecondReplyFromAHandlerNeverReachesTheWire() throws Exception {
    try (Wire wire = new Wire(engine.socket())) {
      wire.send(new Request(1, "twice", null));
      wire.send(new Request(2, "echo", "next"));
      assertEquals(List.of(Response.ok(1, "first"), Response.ok(2, "next")), wire.receive(2));
      wire.assertNothingMoreWithin(300);
    }
  }

  @Test
  void aReplyAfterTheTimeoutIsDroppedAndTheStreamStaysInStep() throws Exception {
    try (Wire wire = new Wire(engine.socket())) {
      wire.send(new Request(1, "late", "x"));
      Response timedOut = (Response) wire.receive(1).get(0);
      assertEquals(Status.TIMEOUT, timedOut.status());
      assertEquals(1, timedOut.id());
      // The late reply comes due at 1.5 s: it must not surface as a frame.
      wire.assertNothingMoreWithin(1000);
      wire.send(new Request(2, "echo", "after"));
      assertEquals(List.of(Response.ok(2, "after")), wire.receive(1));
    }
  }

  @Test
  void aClientThatLeavesWithRequestsInFlightLeavesNothingBehind() throws Exception {
    try (Wire wire = new Wire(engine.socket())) {
      for (int i = 1; i <= 50; i++) {
        wire.send(new Request(i, i % 2 == 0 ? "silent" : "slow", i));
      }
      Thread.sleep(100);
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    long inFlight;
    long connections;
    do {
      Thread.sleep(100);
      inFlight = FaultEngine.stat(engine.socket(), "in-flight");
      connections = FaultEngine.stat(engine.socket(), "connections");
    } while ((inFlight != 1 || connections != 1) && System.nanoTime() < deadline);
    // The status request counts itself: one in flight means none of the leaver's is.
    assertEquals(1, inFlight, "requests in flight after the client left, the status request included");
    // The status request's own connection is the only one left: the leaver's stream and socket are gone.
    assertEquals(1, connections, "open connections after the client left");
  }

  /** A connection driven frame by frame, to see exactly which replies arrive and that no others do. */
  private static final class Wire implements AutoCloseable {
    private final KryoCodec codec = new KryoCodec(FrameHeader.DEFAULT_MAX_FRAME_SIZE);
    private final AFUNIXSocket socket;
    private final DataInputStream in;
    private final OutputStream out;

    Wire(Path path) throws Exception {
      socket = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(path));
      socket.setSoTimeout(10_000);
      in = new DataInputStream(socket.getInputStream());
      out = socket.getOutputStream();
      send(new Hello(ProtocolVersion.CURRENT, "faults-test"));
      assertTrue(receive(1).get(0) instanceof Hello);
    }

    void send(Envelope envelope) throws Exception {
      out.write(codec.encodeFrame(envelope));
      out.flush();
    }

    List<Envelope> receive(int count) throws Exception {
      List<Envelope> received = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        byte[] payload = new byte[in.readInt()];
        in.readFully(payload);
        received.add(codec.decode(payload));
      }
      return received;
    }

    void assertNothingMoreWithin(int millis) throws Exception {
      socket.setSoTimeout(millis);
      try {
        int next = in.read();
        throw new AssertionError("unexpected bytes from the engine, first: " + next);
      } catch (SocketTimeoutException expected) {
        socket.setSoTimeout(10_000);
      }
    }

    @Override
    public void close() throws Exception {
      socket.close();
    }
  }
}
