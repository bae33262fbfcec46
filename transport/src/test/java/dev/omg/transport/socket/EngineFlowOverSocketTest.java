package dev.omg.transport.socket;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.omg.protocol.Hello;
import dev.omg.protocol.ProtocolVersion;
import dev.omg.protocol.Response;
import dev.omg.transport.ConnectionBudget;
import dev.omg.transport.Framing;
import dev.omg.transport.KryoCodec;
import dev.omg.transport.RequestService;
import dev.omg.transport.ServerConnection;
import dev.omg.transport.TestActorSystem;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The engine's connection flow over a real socket: a connection ends when its client leaves. */
class EngineFlowOverSocketTest {
  private static final KryoCodec CODEC = new KryoCodec(1 << 20);
  private static final RequestService ECHO = exchange ->
      CompletableFuture.completedFuture(Response.ok(exchange.request().id(), exchange.request().payload()));
  @RegisterExtension
  static final TestActorSystem actors = new TestActorSystem();

  @TempDir
  Path dir;

  @Test
  void aFrameLeftUnfinishedIsAnsweredProtocolErrorBeforeTheConnectionCloses() throws Exception {
    Path path = dir.resolve("idle.sock");
    UnixDomainSocket.get(actors.system()).bind(path, SocketSettings.DEFAULTS)
        .to(Sink.foreach(connection -> connection.handleWith(ServerConnection.create("c", "test", CODEC, 64,
            java.time.Duration.ofMillis(300), ECHO, () -> true, null, 256, ConnectionBudget.unlimited()), actors.materializer())))
        .run(actors.materializer()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      client.connect(UnixDomainSocketAddress.of(path));
      client.write(ByteBuffer.wrap(CODEC.encodeFrame(new Hello(ProtocolVersion.CURRENT, "t"))));
      client.write(ByteBuffer.wrap(new byte[] {0, 0, 0, 10, 1, 2, 3}));
      java.io.DataInputStream in = new java.io.DataInputStream(java.nio.channels.Channels.newInputStream(client));
      byte[] hello = new byte[in.readInt()];
      in.readFully(hello);
      byte[] reply = new byte[in.readInt()];
      in.readFully(reply);
      assertEquals(Response.error(0, dev.omg.protocol.Status.PROTOCOL_ERROR,
          "incomplete frame: got 7 of 14 bytes, then nothing for 300 ms"), CODEC.decode(reply));
      assertEquals(-1, in.read(), "closed after the answer");
    }
  }

  @Test
  void theConnectionClosesWhenItsClientCloses() throws Exception {
    Path path = dir.resolve("e.sock");
    CompletableFuture<CompletableFuture<Done>> closed = new CompletableFuture<>();
    UnixDomainSocket.get(actors.system()).bind(path, SocketSettings.DEFAULTS)
        .to(Sink.foreach(connection -> closed.complete(connection.handleWith(
            ServerConnection.create("c", "test", CODEC, 64, Framing.NO_TIMEOUT, ECHO, () -> true, null, 256,
                ConnectionBudget.unlimited()), actors.materializer())
            .toCompletableFuture())))
        .run(actors.materializer()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      client.connect(UnixDomainSocketAddress.of(path));
      client.write(ByteBuffer.wrap(CODEC.encodeFrame(new Hello(ProtocolVersion.CURRENT, "t"))));
      ByteBuffer reply = ByteBuffer.allocate(4);
      client.read(reply);
    }
    assertEquals(Done.getInstance(), closed.get(10, TimeUnit.SECONDS).get(10, TimeUnit.SECONDS));
  }
}
