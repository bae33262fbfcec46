package dev.omg.routing.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.omg.config.OmgConfig;
import dev.omg.handler.Peer;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The messages between engine and workers through the cluster serializer, and the input it refuses. */
class ClusterSerializerTest {
  private static ActorTestKit testKit;
  private static ClusterSerializer serializer;
  private static ActorRef<ClusterCommand.Command> engine;
  private static ActorRef<WorkerEndpoint.Command> worker;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create(OmgConfig.parse("""
        omg.transport.max-frame-size = 1024
        omg.serialization.register { 100 = "dev.omg.routing.cluster.ClusterSerializerTest$Point" }
        """));
    serializer = new ClusterSerializer((ExtendedActorSystem) Adapter.toClassic(testKit.system()));
    engine = testKit.<ClusterCommand.Command>createTestProbe().ref();
    worker = testKit.<WorkerEndpoint.Command>createTestProbe().ref();
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** A registered payload type. */
  public static final class Point {
    int x;
    int y;

    public Point() {}

    Point(int x, int y) {
      this.x = x;
      this.y = y;
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Point p && p.x == x && p.y == y;
    }

    @Override
    public int hashCode() {
      return 31 * x + y;
    }
  }

  private static Object roundTrip(Object message) throws NotSerializableException {
    return serializer.fromBinary(serializer.toBinary(message), serializer.manifest(message));
  }

  @Test
  void everyClusterMessageSurvivesTheRoundTrip() throws Exception {
    List<Object> messages = List.of(
        new WorkerEndpoint.Identify(engine),
        new ClusterCommand.Identity(worker, "0123456789abcdef", "0.1.0"),
        new WorkerEndpoint.Work(7, 42, "build", Map.of("target", List.of("a", new Point(1, 2))), 1_700_000_000_000L,
            new Peer(1000, 100, 4242), true, engine),
        new WorkerEndpoint.CancelWork(7, engine),
        new ClusterCommand.WorkReply(7, new Response(7, Status.OVERLOADED, null, "busy", 50)),
        new ClusterCommand.WorkReply(8, Response.ok(8, new Point(3, 4))),
        new ClusterCommand.WorkProgress(7, Map.of("done", 1, "total", 2)));
    for (Object message : messages) {
      assertEquals(message, roundTrip(message));
    }
  }

  @Test
  void aRequestWithAnUnregisteredPayloadTypeIsNotSent() {
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> serializer.toBinary(
        new WorkerEndpoint.Work(1, 1, "build", Thread.State.NEW, 0, Peer.UNKNOWN, false, engine)));
    assertEquals("cannot encode Request: Class is not registered: java.lang.Thread$State", refused.getMessage());
  }

  @Test
  void aReplyThatCannotBeEncodedCrossesAsHandlerError() throws Exception {
    assertEquals(new ClusterCommand.WorkReply(9, new Response(9, Status.HANDLER_ERROR, null,
            "the worker's reply cannot be sent to the engine: cannot encode Response: Class is not registered:"
                + " java.lang.Thread$State", 0)),
        roundTrip(new ClusterCommand.WorkReply(9, Response.ok(9, Thread.State.NEW))));
    assertEquals(new ClusterCommand.WorkReply(10, new Response(10, Status.HANDLER_ERROR, null,
            "the worker's reply cannot be sent to the engine: encoded payload exceeds the maximum frame size of"
                + " 1024 bytes", 0)),
        roundTrip(new ClusterCommand.WorkReply(10, Response.ok(10, "x".repeat(2000)))));
  }

  @Test
  void refusesAMessageLongerThanTheFrameLimitBeforeReadingIt() {
    NotSerializableException refused = assertThrows(NotSerializableException.class,
        () -> serializer.fromBinary(new byte[1024 + ClusterSerializer.MAX_FIELDS_SIZE + 1],
            ClusterSerializer.WORK_PROGRESS));
    assertEquals("cluster message of 17409 bytes is longer than 17408 (omg.transport.max-frame-size + 16384)",
        refused.getMessage());
  }

  @Test
  void refusesAnEnvelopeLengthBeyondWhatFollows() throws IOException {
    NotSerializableException refused = assertThrows(NotSerializableException.class,
        () -> serializer.fromBinary(progress(1_000_000, new byte[8]), ClusterSerializer.WORK_PROGRESS));
    assertEquals("malformed cluster message (P): envelope length 1000000 is outside 1..8", refused.getMessage());
  }

  @Test
  void refusesAPayloadOfAnUnregisteredTypeId() throws IOException {
    // A Progress envelope (tag 0f) for id 1, seq 0, whose payload names type id 99 (tag 65): not registered.
    byte[] envelope = {0x0f, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x65};
    NotSerializableException refused = assertThrows(NotSerializableException.class,
        () -> serializer.fromBinary(progress(envelope.length, envelope), ClusterSerializer.WORK_PROGRESS));
    assertEquals("malformed cluster message (P): malformed envelope: unregistered type id 99 (tag 101)",
        refused.getMessage());
  }

  @Test
  void refusesTrailingBytesAndUnknownManifests() throws Exception {
    byte[] good = serializer.toBinary(new WorkerEndpoint.CancelWork(3, engine));
    byte[] longer = Arrays.copyOf(good, good.length + 1);
    assertEquals("malformed cluster message (C): 1 unexpected bytes after it", assertThrows(
        NotSerializableException.class, () -> serializer.fromBinary(longer, ClusterSerializer.CANCEL_WORK))
        .getMessage());
    assertEquals("malformed cluster message (X): unknown manifest", assertThrows(NotSerializableException.class,
        () -> serializer.fromBinary(good, "X")).getMessage());
    assertArrayEquals(good, serializer.toBinary(serializer.fromBinary(good, ClusterSerializer.CANCEL_WORK)));
  }

  /** A WorkProgress message's bytes: key 1, then the envelope's claimed length and the bytes given. */
  private static byte[] progress(int claimedLength, byte[] envelope) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeLong(1);
    out.writeInt(claimedLength);
    out.write(envelope);
    return bytes.toByteArray();
  }
}
