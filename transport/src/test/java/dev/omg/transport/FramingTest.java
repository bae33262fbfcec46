package dev.omg.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class FramingTest {
  private static final int MAX = 1024;
  private static ActorSystem system;

  @BeforeAll
  static void start() {
    system = ActorSystem.create("FramingTest");
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  private static ByteString bytes(int... values) {
    byte[] array = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      array[i] = (byte) values[i];
    }
    return ByteString.fromArray(array);
  }

  private static ByteString payload(int length, int fill) {
    byte[] array = new byte[length];
    java.util.Arrays.fill(array, (byte) fill);
    return ByteString.fromArray(array);
  }

  private static List<ByteString> decode(List<ByteString> chunks) throws Exception {
    return Source.from(chunks).via(Framing.decoder(MAX)).runWith(Sink.seq(), system)
        .toCompletableFuture().get(5, TimeUnit.SECONDS);
  }

  private static Throwable decodeFailure(List<ByteString> chunks) throws Exception {
    try {
      decode(chunks);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    throw new AssertionError("decoding " + chunks + " should have failed");
  }

  private static List<ByteString> oneBytePerChunk(ByteString bytes) {
    List<ByteString> chunks = new ArrayList<>();
    for (int i = 0; i < bytes.size(); i++) {
      chunks.add(bytes.slice(i, i + 1));
    }
    return chunks;
  }

  @Test
  void decodesFramesSplitIntoSingleBytes() throws Exception {
    ByteString stream = Framing.frame(bytes(1, 2, 3), MAX).concat(Framing.frame(bytes(4), MAX));
    assertEquals(List.of(bytes(1, 2, 3), bytes(4)), decode(oneBytePerChunk(stream)));
  }

  @Test
  void decodesFramesCoalescedIntoOneChunk() throws Exception {
    ByteString stream = Framing.frame(bytes(1), MAX).concat(Framing.frame(bytes(2, 2), MAX))
        .concat(Framing.frame(bytes(3, 3, 3), MAX));
    assertEquals(List.of(bytes(1), bytes(2, 2), bytes(3, 3, 3)), decode(List.of(stream)));
  }

  @Test
  void decodesAFrameWhoseHeaderAndBodyArriveInSeparateChunksWithTheNextFrame() throws Exception {
    ByteString first = Framing.frame(bytes(9, 9), MAX);
    ByteString second = Framing.frame(bytes(8), MAX);
    List<ByteString> chunks = List.of(first.take(3), first.drop(3).concat(second.take(2)), second.drop(2));
    assertEquals(List.of(bytes(9, 9), bytes(8)), decode(chunks));
  }

  @Test
  void acceptsAFrameOfExactlyTheMaximumLength() throws Exception {
    ByteString max = payload(MAX, 7);
    assertEquals(List.of(max), decode(List.of(Framing.frame(max, MAX))));
  }

  @Test
  void passesAZeroLengthFrameAsAnEmptyPayload() throws Exception {
    assertEquals(List.of(ByteString.emptyByteString(), bytes(5)),
        decode(List.of(bytes(0, 0, 0, 0), Framing.frame(bytes(5), MAX))));
  }

  @Test
  void rejectsFrameLongerThanMaximumFromTheHeaderAlone() throws Exception {
    // Only the header is sent: the stage must fail without waiting for (or buffering) the body.
    Throwable failure = decodeFailure(List.of(bytes(0, 0, 4, 1)));
    FrameTooLongException tooLong = assertInstanceOf(FrameTooLongException.class, failure);
    assertEquals("frame length 1025 exceeds the maximum of 1024 bytes", tooLong.getMessage());
    assertEquals(1025, tooLong.length());
    assertEquals(MAX, tooLong.maxFrameSize());
  }

  @Test
  void rejectsNegativeLengthAsCorrupted() throws Exception {
    Throwable failure = decodeFailure(List.of(bytes(0xff, 0xff, 0xff, 0xfe)));
    assertInstanceOf(CorruptedFrameException.class, failure);
    assertEquals("negative frame length -2 (header fffffffe)", failure.getMessage());
  }

  @Test
  void emitsTheFramesBeforeAnOversizedOneThenFails() throws Exception {
    List<ByteString> received = new ArrayList<>();
    ByteString stream = Framing.frame(bytes(1), MAX).concat(bytes(0x7f, 0xff, 0xff, 0xff));
    Throwable failure = Source.single(stream).via(Framing.decoder(MAX))
        .runForeach(received::add, system)
        .handle((done, error) -> error)
        .toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(List.of(bytes(1)), received);
    assertEquals("frame length 2147483647 exceeds the maximum of 1024 bytes", failure.getMessage());
  }

  @Test
  void failsWhenTheStreamEndsInsideAHeader() throws Exception {
    Throwable failure = decodeFailure(List.of(bytes(0, 0)));
    assertInstanceOf(TruncatedFrameException.class, failure);
    assertEquals("connection closed in the middle of a frame: got 2 of 4 bytes", failure.getMessage());
  }

  @Test
  void failsWhenTheStreamEndsInsideABody() throws Exception {
    Throwable failure = decodeFailure(List.of(bytes(0, 0, 0, 5, 1, 2)));
    assertInstanceOf(TruncatedFrameException.class, failure);
    assertEquals("connection closed in the middle of a frame: got 6 of 9 bytes", failure.getMessage());
  }

  @Test
  void encoderPrependsTheBigEndianLength() throws Exception {
    List<ByteString> framed = Source.single(payload(258, 1)).via(Framing.encoder(MAX))
        .runWith(Sink.seq(), system).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(bytes(0, 0, 1, 2), framed.get(0).take(4));
    assertEquals(262, framed.get(0).size());
  }

  @Test
  void encoderRefusesAPayloadLongerThanTheMaximum() {
    FrameTooLongException e = org.junit.jupiter.api.Assertions.assertThrows(FrameTooLongException.class,
        () -> Framing.frame(payload(MAX + 1, 0), MAX));
    assertEquals("frame length 1025 exceeds the maximum of 1024 bytes", e.getMessage());
  }

  @Test
  void decoderIsTheInverseOfTheEncoder() throws Exception {
    List<ByteString> payloads = List.of(bytes(), bytes(1), payload(300, 3), payload(MAX, 4));
    List<ByteString> roundTripped = Source.from(payloads)
        .via(Framing.encoder(MAX))
        .mapConcat(FramingTest::oneBytePerChunk)
        .via(Framing.decoder(MAX))
        .runWith(Sink.seq(), system).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(payloads, roundTripped);
  }

  @Test
  void failsAFrameWhoseRestDoesNotArriveWithinTheIdleTimeout() throws Exception {
    Throwable failure = Source.single(bytes(0, 0, 0, 5, 1, 2)).concat(Source.never())
        .via(Framing.decoder(MAX, Duration.ofMillis(200)))
        .runWith(Sink.ignore(), system)
        .handle((done, error) -> error)
        .toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertInstanceOf(FrameTimeoutException.class, failure);
    assertEquals("incomplete frame: got 6 of 9 bytes, then nothing for 200 ms", failure.getMessage());
  }

  @Test
  void neverTimesOutAConnectionIdleBetweenFrames() throws Exception {
    List<ByteString> received = Source.single(Framing.frame(bytes(7), MAX))
        .concat(Source.single(Framing.frame(bytes(8), MAX)).initialDelay(Duration.ofMillis(600)))
        .via(Framing.decoder(MAX, Duration.ofMillis(200)))
        .runWith(Sink.seq(), system).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(List.of(bytes(7), bytes(8)), received);
  }

  @Test
  void aSlowButSteadyFrameIsNotTimedOut() throws Exception {
    ByteString frame = Framing.frame(bytes(1, 2, 3, 4), MAX);
    List<ByteString> received = Source.from(oneBytePerChunk(frame))
        .throttle(1, Duration.ofMillis(100))
        .via(Framing.decoder(MAX, Duration.ofMillis(300)))
        .runWith(Sink.seq(), system).toCompletableFuture().get(5, TimeUnit.SECONDS);
    assertEquals(List.of(bytes(1, 2, 3, 4)), received);
  }
}
