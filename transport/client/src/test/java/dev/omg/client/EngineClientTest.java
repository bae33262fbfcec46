package dev.omg.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.omg.protocol.Envelope;
import dev.omg.protocol.Hello;
import dev.omg.protocol.ProtocolVersion;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.transport.FrameHeader;
import dev.omg.transport.KryoCodec;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client against a scripted peer on a real Unix socket: what it does with frames cut and refusals. */
class EngineClientTest {
  private static final KryoCodec CODEC = new KryoCodec(FrameHeader.DEFAULT_MAX_FRAME_SIZE);
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  private Path path;
  private ServerSocketChannel server;

  @BeforeEach
  void listen() throws IOException {
    path = dir.resolve("engine.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(path));
  }

  @AfterEach
  void close() throws IOException {
    server.close();
  }

  /** The peer's side of one connection, run on its own thread. */
  private interface Script {
    void run(DataInputStream in, OutputStream out) throws Exception;
  }

  private CompletableFuture<Void> peer(Script script) {
    return CompletableFuture.runAsync(() -> {
      try (SocketChannel channel = server.accept()) {
        InputStream in = Channels.newInputStream(channel);
        script.run(new DataInputStream(in), Channels.newOutputStream(channel));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static Envelope readFrame(DataInputStream in) throws IOException {
    byte[] payload = new byte[in.readInt()];
    in.readFully(payload);
    return CODEC.decode(payload);
  }

  @Test
  void aReadThatTimesOutInTheMiddleOfAFrameLeavesItForTheNextReader() throws Exception {
    CountDownLatch firstTimedOut = new CountDownLatch(1);
    CompletableFuture<Void> peer = peer((in, out) -> {
      readFrame(in);
      out.write(CODEC.encodeFrame(new Hello(ProtocolVersion.CURRENT, "peer")));
      Request first = (Request) readFrame(in);
      byte[] reply = CODEC.encodeFrame(Response.ok(first.id(), "first"));
      out.write(Arrays.copyOf(reply, 6));
      out.flush();
      firstTimedOut.await(WAIT.toSeconds(), TimeUnit.SECONDS);
      Request second = (Request) readFrame(in);
      out.write(Arrays.copyOfRange(reply, 6, reply.length));
      out.write(CODEC.encodeFrame(Response.ok(second.id(), "second")));
    });
    try (EngineClient client = EngineClient.connect(path)) {
      TimeoutException e = assertThrows(TimeoutException.class,
          () -> client.call("a", null, Deadline.after(Duration.ofMillis(300))));
      assertEquals("no reply to 'a' within 300 ms", e.getMessage());
      firstTimedOut.countDown();
      assertEquals(Response.ok(2, "second"), client.call("b", null));
      assertEquals(0, client.pendingCount(), "the first reply, finished by the second reader, was paired too");
    }
    peer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  /** Whether the peer's close comes before or after our hello is written, the refusal is read. */
  @Test
  void readsTheRefusalOfAPeerThatWritesWhyAndClosesAtOnce() throws Exception {
    int connections = 50;
    CompletableFuture<Void> peer = CompletableFuture.runAsync(() -> {
      for (int i = 0; i < connections; i++) {
        try (SocketChannel channel = server.accept()) {
          Channels.newOutputStream(channel).write(CODEC.encodeFrame(new Response(0, Status.OVERLOADED, null,
              "the engine has 2 connections open, its limit; retry later", 100)));
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }
    });
    for (int i = 0; i < connections; i++) {
      EngineException e = assertThrows(EngineException.class, () -> EngineClient.connect(path,
          ClientOptions.defaults().withRetry(RetryPolicy.none())));
      assertEquals("OVERLOADED: the engine has 2 connections open, its limit; retry later", e.getMessage());
      assertEquals(100, e.retryAfterMillis());
    }
    peer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  @Test
  void aPeerThatNeverAnswersTheHelloIsReportedAtTheDeadline() throws Exception {
    CountDownLatch done = new CountDownLatch(1);
    CompletableFuture<Void> peer = peer((in, out) -> done.await(WAIT.toSeconds(), TimeUnit.SECONDS));
    java.net.SocketTimeoutException e = assertThrows(java.net.SocketTimeoutException.class,
        () -> EngineClient.connect(path, ClientOptions.defaults(), Deadline.after(Duration.ofMillis(300))));
    assertEquals("no answer from the engine at " + path + " within 300 ms (waiting for it to answer the hello)",
        e.getMessage());
    done.countDown();
    peer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }
}
