package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.client.EngineClient;
import dev.omg.protocol.Envelope;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.transport.FrameHeader;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10's allocation bombs against the real jar (heap capped at 256 MiB): each is refused or decoded within the
 * decode budget, the engine keeps its pid, and a bystander connection open all along is still served.
 */
class DecodeLimitsSystemTest {
  private static final int MAX_FRAME = FrameHeader.DEFAULT_MAX_FRAME_SIZE;
  @TempDir
  static Path dir;
  private static EngineProcess engine;
  private static long pid;
  private static EngineClient bystander;

  @BeforeAll
  static void start() throws Exception {
    engine = EngineProcess.start(dir.resolve("omg"));
    pid = engine.pid();
    bystander = EngineClient.connect(engine.socket());
  }

  @AfterAll
  static void stop() throws Exception {
    bystander.close();
    engine.close();
  }

  @AfterEach
  void theSameEngineStillServesTheBystander() throws Exception {
    assertTrue(engine.process().isAlive(), "the engine exited:\n" + engine.log());
    assertEquals(pid, engine.pid());
    assertEquals("still here", bystander.call("echo", "still here").payload(), "the bystander connection");
  }

  private static Response afterHello(byte[] frame) throws Exception {
    try (RawConnection raw = new RawConnection(engine.socket()).hello()) {
      raw.sendBytes(frame);
      Response reply = (Response) raw.receive().orElseThrow();
      assertEquals(Optional.empty(), raw.receive(), "the engine closed the connection after " + reply);
      return reply;
    }
  }

  @Test
  void theTwentyFiveByteClassNameFrameIsAProtocolError() throws Exception {
    assertEquals(Response.error(5, Status.PROTOCOL_ERROR,
        "malformed payload: class names are not accepted on the wire (tag 01)"),
        afterHello(AllocationBombs.classNameClaimingGigabytes()));
  }

  @Test
  void aClassNameWhoseDependenciesAreMissingIsAProtocolError() throws Exception {
    assertEquals(Response.error(6, Status.PROTOCOL_ERROR,
        "malformed payload: class names are not accepted on the wire (tag 01)"),
        afterHello(AllocationBombs.className(6, "ch.qos.logback.classic.helpers.MDCInsertingServletFilter")));
  }

  @Test
  void aClassNameOfAnOrdinaryClassIsAProtocolError() throws Exception {
    assertEquals(Response.error(7, Status.PROTOCOL_ERROR,
        "malformed payload: class names are not accepted on the wire (tag 01)"),
        afterHello(AllocationBombs.className(7, "java.util.LinkedList")));
  }

  @Test
  void aStringClaimingTwoHundredFiftySixMebibytesIsAProtocolError() throws Exception {
    assertEquals(Response.error(8, Status.PROTOCOL_ERROR,
        "malformed payload: string length 268435456 exceeds the 5 bytes left in the frame"),
        afterHello(AllocationBombs.stringClaiming(8, 1 << 28)));
  }

  @Test
  void nestedListsClaimingTheBytesLeftExceedTheDecodeBudget() throws Exception {
    assertEquals(Response.error(9, Status.PROTOCOL_ERROR, "malformed payload: the payload would decode to more"
        + " than 41943040 bytes of heap, the decode budget of 40 x the frame's 1048576 bytes"),
        afterHello(AllocationBombs.nestedListsClaimingTheBytesLeft(9, 63, MAX_FRAME)));
  }

  @Test
  void framesOfEmptyMapsDecodeWithinTheBudgetAndLeaveTheHeapWhereItWas() throws Exception {
    long before = heapAfterGc();
    try (RawConnection raw = new RawConnection(engine.socket()).hello()) {
      for (int i = 1; i <= 20; i++) {
        raw.sendBytes(AllocationBombs.emptyMapsFilling(i, "no-such-command", MAX_FRAME));
        Envelope reply = raw.receive().orElseThrow();
        assertEquals(Status.UNKNOWN_COMMAND, ((Response) reply).status(), "frame " + i + " was decoded");
      }
    }
    long after = heapAfterGc();
    System.out.printf("decode limits: heap after a full GC %d KiB before 20 frames of 1 MiB of empty maps,"
        + " %d KiB after%n", before >> 10, after >> 10);
    assertTrue(after < before + (16 << 20), "heap grew from " + before + " to " + after + " bytes");
  }

  /** The engine's used heap after a full collection it was asked for with jcmd. */
  private static long heapAfterGc() throws Exception {
    Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        Long.toString(pid), "GC.run").redirectErrorStream(true).start();
    assertTrue(jcmd.waitFor(30, TimeUnit.SECONDS), "jcmd GC.run did not finish");
    assertEquals(0, jcmd.exitValue(), new String(jcmd.getInputStream().readAllBytes()));
    Map<?, ?> status = (Map<?, ?>) bystander.call("status", null).payload();
    return ((Number) status.get("heap-used-bytes")).longValue();
  }
}
