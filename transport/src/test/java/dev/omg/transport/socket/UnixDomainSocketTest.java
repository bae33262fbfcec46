package dev.omg.transport.socket;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.transport.TestActorSystem;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The connector over real sockets, real selector threads and real streams; clients are plain JDK channels. */
class UnixDomainSocketTest {
  private static final long WAIT_SECONDS = 10;
  @RegisterExtension
  static final TestActorSystem actors = new TestActorSystem();

  @TempDir
  Path dir;

  /** Binds at a fresh path and serves every connection with {@code handler}. */
  private Pair<ServerBinding, Path> serve(Flow<ByteString, ByteString, ?> handler) throws Exception {
    Path path = dir.resolve("s" + System.nanoTime() + ".sock");
    ServerBinding binding = UnixDomainSocket.get(actors.system()).bind(path, SocketSettings.DEFAULTS)
        .to(Sink.foreach(connection -> connection.handleWith(handler, actors.materializer())))
        .run(actors.materializer())
        .toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
    return Pair.create(binding, path);
  }

  private static SocketChannel connect(Path path) throws IOException {
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    channel.connect(UnixDomainSocketAddress.of(path));
    return channel;
  }

  private static byte[] readExactly(SocketChannel channel, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    while (buffer.hasRemaining()) {
      if (channel.read(buffer) < 0) {
        throw new IOException("end of stream after " + buffer.position() + " of " + length + " bytes");
      }
    }
    return buffer.array();
  }

  @Test
  void echoesBytesBetweenABoundSocketAndAnOutgoingConnection() throws Exception {
    Path path = serve(Flow.create()).second();
    CompletionStage<List<ByteString>> replies = Source.single(ByteString.fromString("hello"))
        .concat(Source.never())
        .via(UnixDomainSocket.get(actors.system()).outgoingConnection(path, SocketSettings.DEFAULTS))
        .take(1)
        .runWith(Sink.seq(), actors.materializer());
    assertEquals("hello", replies.toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS).get(0).utf8String());
  }

  @Test
  void answersInOrderWhateverTheChunkingOfTheInput() throws Exception {
    Path path = serve(Flow.create()).second();
    try (SocketChannel client = connect(path)) {
      byte[] sent = new byte[300_000];
      for (int i = 0; i < sent.length; i++) {
        sent[i] = (byte) i;
      }
      CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
        try {
          return readExactly(client, sent.length);
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      });
      client.write(ByteBuffer.wrap(sent));
      assertArrayEquals(sent, echoed.get(WAIT_SECONDS, TimeUnit.SECONDS));
    }
  }

  @Test
  void holdsAThousandIdleConnectionsWithoutAThreadForAny() throws Exception {
    Path path = serve(Flow.create()).second();
    // A hundred connections first, so the threads Pekko starts on first use (its default dispatcher's, for the
    // actors.materializer()) are counted before; this test's dispatcher is Pekko's default pool of up to 8 threads.
    List<SocketChannel> warmUp = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      warmUp.add(connect(path));
      warmUp.get(i).write(ByteBuffer.wrap(new byte[] {1}));
    }
    for (SocketChannel channel : warmUp) {
      readExactly(channel, 1);
      channel.close();
    }
    int before = ManagementFactory.getThreadMXBean().getThreadCount();
    List<SocketChannel> clients = new ArrayList<>();
    try {
      for (int i = 0; i < 1000; i++) {
        SocketChannel client = connect(path);
        clients.add(client);
        client.write(ByteBuffer.wrap(new byte[] {(byte) i}));
      }
      // Every connection is served (its byte comes back) while the thread count stays flat.
      for (int i = 0; i < clients.size(); i++) {
        assertEquals((byte) i, readExactly(clients.get(i), 1)[0]);
      }
      int during = ManagementFactory.getThreadMXBean().getThreadCount();
      assertTrue(during <= before + 4, "threads before " + before + ", with 1,000 connections " + during + ": "
          + Thread.getAllStackTraces().keySet().stream().map(Thread::getName).sorted().toList());
    } finally {
      for (SocketChannel client : clients) {
        client.close();
      }
    }
  }

  @Test
  void stopsReadingFromAClientWhileTheHandlerDoesNotPull() throws Exception {
    AtomicLong taken = new AtomicLong();
    // Takes one element and never finishes with it: nothing more is pulled.
    Flow<ByteString, ByteString, ?> stuck = Flow.<ByteString>create()
        .map(bytes -> {
          taken.addAndGet(bytes.size());
          return bytes;
        })
        .mapAsync(1, bytes -> new CompletableFuture<ByteString>());
    Path path = serve(stuck).second();
    try (SocketChannel client = connect(path)) {
      client.configureBlocking(false);
      ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
      long written = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      int idleRounds = 0;
      // Write until the kernel takes nothing for a while: the engine has stopped reading.
      while (idleRounds < 50 && System.nanoTime() < deadline) {
        chunk.clear();
        int n = client.write(chunk);
        written += n;
        idleRounds = n == 0 ? idleRounds + 1 : 0;
        if (n == 0) {
          Thread.sleep(10);
        }
      }
      assertTrue(idleRounds >= 50, "the client's writes never blocked: " + written + " bytes taken");
      assertTrue(taken.get() <= 64 * 1024 * 2, "the handler was given " + taken.get() + " bytes");
      assertTrue(written < 16L << 20, "the engine took " + written + " bytes from a client it does not serve");
    }
  }

  @Test
  void stopsPullingRepliesForAClientThatDoesNotRead() throws Exception {
    AtomicLong produced = new AtomicLong();
    ByteString chunk = ByteString.fromArray(new byte[64 * 1024]);
    Flow<ByteString, ByteString, ?> flood = Flow.fromSinkAndSource(Sink.ignore(),
        Source.repeat(chunk).map(bytes -> {
          produced.incrementAndGet();
          return bytes;
        }));
    Path path = serve(flood).second();
    try (SocketChannel client = connect(path)) {
      long previous = -1;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      while (produced.get() != previous && System.nanoTime() < deadline) {
        previous = produced.get();
        Thread.sleep(200);
      }
      assertEquals(previous, produced.get(), "the engine kept producing replies nobody reads");
      // Kernel buffers plus the stage's write buffer (256 KiB) plus a few elements in flight.
      assertTrue(produced.get() * chunk.size() < 8L << 20, produced.get() + " chunks produced");
    }
  }

  @Test
  void writesEverythingBeforeClosingWhenTheHandlerCompletes() throws Exception {
    byte[] big = new byte[2 << 20];
    Flow<ByteString, ByteString, ?> oneBigReply = Flow.fromSinkAndSource(Sink.ignore(),
        Source.single(ByteString.fromArray(big)));
    Path path = serve(oneBigReply).second();
    try (SocketChannel client = connect(path)) {
      assertEquals(big.length, readExactly(client, big.length).length);
      assertEquals(-1, client.read(ByteBuffer.allocate(1)), "closed after the last byte");
    }
  }

  @Test
  void keepsWritingAfterTheClientShutsItsOutput() throws Exception {
    Path path = serve(Flow.<ByteString>create().map(bytes -> bytes.concat(bytes))).second();
    try (SocketChannel client = connect(path)) {
      client.write(ByteBuffer.wrap("ab".getBytes(StandardCharsets.UTF_8)));
      client.shutdownOutput();
      assertEquals("abab", new String(readExactly(client, 4), StandardCharsets.UTF_8));
      assertEquals(-1, client.read(ByteBuffer.allocate(1)), "closed once the handler completed");
    }
  }

  @Test
  void refusedPeerReadsTheReasonEvenAfterItsOwnWrite() throws Exception {
    Path path = dir.resolve("refuse.sock");
    UnixDomainSocket.get(actors.system()).bind(path, SocketSettings.DEFAULTS)
        .to(Sink.foreach(connection ->
            connection.refuse(ByteString.fromString("go away"), Duration.ofSeconds(2))))
        .run(actors.materializer())
        .toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
    try (SocketChannel client = connect(path)) {
      client.write(ByteBuffer.wrap(new byte[100]));
      assertEquals("go away", new String(readExactly(client, 7), StandardCharsets.UTF_8));
      assertEquals(-1, client.read(ByteBuffer.allocate(1)));
    }
  }

  @Test
  void unbindingStopsAcceptingButKeepsOpenConnections() throws Exception {
    Pair<ServerBinding, Path> served = serve(Flow.create());
    try (SocketChannel client = connect(served.second())) {
      client.write(ByteBuffer.wrap(new byte[] {7}));
      assertEquals(7, readExactly(client, 1)[0]);
      served.first().unbind().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
      client.write(ByteBuffer.wrap(new byte[] {8}));
      assertEquals(8, readExactly(client, 1)[0]);
    }
    assertTrue(served.first().whenUnbound().toCompletableFuture().isDone());
  }

  @Test
  void reportsABindFailureThroughTheBinding() {
    Path missing = dir.resolve("no-such-dir").resolve("x.sock");
    CompletionStage<ServerBinding> binding = UnixDomainSocket.get(actors.system()).bind(missing, SocketSettings.DEFAULTS)
        .to(Sink.ignore()).run(actors.materializer());
    var failure = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
        () -> binding.toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS));
    assertTrue(failure.getCause() instanceof IOException, failure.getCause().toString());
  }

}
