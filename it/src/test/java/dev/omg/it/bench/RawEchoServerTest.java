package dev.omg.it.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The raw baseline must be a faithful echo, or its numbers mean nothing. */
class RawEchoServerTest {
  @TempDir
  Path dir;

  @Test
  void echoesEachFrameByteForByte() throws Exception {
    try (RawEchoServer server = RawEchoServer.start(dir.resolve("raw.sock"));
        SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(server.socket()))) {
      byte[] payload = Workloads.payload(16 * 1024);
      channel.write(ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).flip());
      DataInputStream in = new DataInputStream(Channels.newInputStream(channel));
      assertEquals(payload.length, in.readInt());
      byte[] echoed = new byte[payload.length];
      in.readFully(echoed);
      assertArrayEquals(payload, echoed);
    }
  }

  @Test
  void answersPipelinedRequestsInOrder() throws Exception {
    try (RawTarget target = RawTarget.start(dir);
        EchoTarget.PipelinedEcho connection = target.openPipelined()) {
      int requests = 1_000;
      Queue<Integer> lengths = new ConcurrentLinkedQueue<>();
      CountDownLatch done = new CountDownLatch(requests);
      for (int i = 0; i < requests; i++) {
        connection.send(Workloads.payload(i % 100), (length, failure) -> {
          lengths.add(failure == null ? length : -1);
          done.countDown();
        });
      }
      assertTrue(done.await(10, TimeUnit.SECONDS), "replies outstanding: " + done.getCount());
      int expected = 0;
      for (int length : lengths) {
        assertEquals(expected++ % 100, length);
      }
    }
  }

  @Test
  void blockingCallReturnsTheEchoedLength() throws Exception {
    try (RawTarget target = RawTarget.start(dir);
        EchoTarget.BlockingEcho connection = target.openBlocking()) {
      assertEquals(64, connection.call(Workloads.payload(64)));
      assertEquals(0, connection.call(new byte[0]));
    }
  }
}
