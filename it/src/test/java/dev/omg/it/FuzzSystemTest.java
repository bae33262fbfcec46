package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.client.EngineClient;
import dev.omg.protocol.Envelope;
import dev.omg.protocol.Hello;
import dev.omg.protocol.ProtocolVersion;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.transport.FrameHeader;
import dev.omg.transport.KryoCodec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded fuzzer against the real jar: connection after connection, two well-formed requests, then a burst of
 * mutated frames (bit flips, truncations, splices of valid frames, forged lengths, random bytes), then end of
 * input. The engine must stay up (same process throughout), keep its heap bounded, and answer every well-formed
 * request. {@code -Domg.fuzz.frames=N} and {@code -Domg.fuzz.seed=S} set the size and the seed.
 *
 * <p>The corpus includes issue 10's allocation bombs (a class-by-name tag, string claims of 2^31-2 and 2^28 bytes,
 * nested lists claiming the bytes left, a list of empty maps), mutated like any other frame; the two 1 MiB
 * bombs are also sent whole, once each.
 */
class FuzzSystemTest {
  private static final int MUTATED_PER_CONNECTION = 16;
  private static final long FIRST_FUZZ_ID = 1_000_000;
  /** Connections that also send a 1 MiB bomb whole: two, halfway between heap samples (every 500 connections). */
  private static final long EMPTY_MAPS_BOMB_AT = 250;
  private static final long NESTED_CLAIMS_BOMB_AT = 750;
  private final KryoCodec codec = new KryoCodec(FrameHeader.DEFAULT_MAX_FRAME_SIZE);
  @TempDir
  Path dir;

  @Test
  void theEngineSurvivesMutatedFramesAndAnswersEveryWellFormedRequest() throws Exception {
    long frames = Long.getLong("omg.fuzz.frames", 100_000);
    long seed = Long.getLong("omg.fuzz.seed", 20261125);
    List<byte[]> corpus = corpus();
    Random random = new Random(seed);
    long sent = 0;
    long connections = 0;
    long wellFormed = 0;
    long answered = 0;
    long fuzzReplies = 0;
    long peakHeap = 0;
    Map<Status, Long> statuses = new HashMap<>();
    long started = System.nanoTime();
    try (EngineProcess engine = EngineProcess.start(dir.resolve("omg"), List.of("-Xmx256m"),
        "--config", config().toString())) {
      long pid = engine.pid();
      while (sent < frames) {
        try (RawConnection raw = new RawConnection(engine.socket()).hello()) {
          raw.send(new Request(1, "echo", "well-formed " + connections));
          raw.send(new Request(2, "ping", null));
          wellFormed += 2;
          // The well-formed replies first: once the burst breaks the connection they could no longer be read.
          boolean[] got = new boolean[3];
          for (int i = 0; i < 2; i++) {
            Response response = (Response) raw.receive().orElse(null);
            assertTrue(response != null && (response.id() == 1 || response.id() == 2) && !got[(int) response.id()],
                "connection " + connections + " (seed " + seed + "): expected the reply to 1 or 2, got " + response);
            assertEquals(Status.OK, response.status(), "well-formed request " + response.id());
            got[(int) response.id()] = true;
            answered++;
          }
          boolean open = true;
          if (connections == EMPTY_MAPS_BOMB_AT || connections == NESTED_CLAIMS_BOMB_AT) {
            // Each costs up to the 40 MiB decode budget of garbage, which the collection before a heap sample frees.
            raw.sendBytes(connections == EMPTY_MAPS_BOMB_AT
                ? AllocationBombs.emptyMapsFilling(FIRST_FUZZ_ID, "echo", FrameHeader.DEFAULT_MAX_FRAME_SIZE)
                : AllocationBombs.nestedListsClaimingTheBytesLeft(FIRST_FUZZ_ID, 63,
                    FrameHeader.DEFAULT_MAX_FRAME_SIZE));
            sent++;
          }
          for (int i = 0; i < MUTATED_PER_CONNECTION && open; i++) {
            try {
              raw.sendBytes(mutate(corpus, random));
              sent++;
            } catch (IOException closedByTheEngine) {
              open = false;
            }
          }
          try {
            raw.shutdownOutput();
            for (Optional<Envelope> envelope; (envelope = raw.receive()).isPresent(); ) {
              if (envelope.get() instanceof Response response) {
                statuses.merge(response.status(), 1L, Long::sum);
                fuzzReplies++;
              }
            }
          } catch (IOException closedByTheEngine) {
            // The engine closed first (after its error frame, if any): what matters was checked above.
          }
        }
        connections++;
        if (connections % 500 == 0) {
          peakHeap = Math.max(peakHeap, engine.heapUsedAfterGc());
          System.err.printf("fuzz: %d/%d mutated frames, %d connections%n", sent, frames, connections);
        }
      }
      peakHeap = Math.max(peakHeap, engine.heapUsedAfterGc());
      assertTrue(engine.process().isAlive(), "the engine died");
      assertEquals(pid, engine.pid());
      try (EngineClient client = EngineClient.connect(engine.socket())) {
        assertEquals(Status.OK, client.call("ping", null).status());
      }
      System.out.printf("fuzz: seed %d: %d mutated frames on %d connections in %d s; well-formed requests %d,"
          + " answered %d (lost %d); replies to fuzzed frames %d; statuses %s; engine restarts 0; peak engine heap"
          + " after GC %d MiB of 256%n", seed, sent, connections, (System.nanoTime() - started) / 1_000_000_000L,
          wellFormed, answered, wellFormed - answered, fuzzReplies, statuses, peakHeap >> 20);
      assertEquals(wellFormed, answered);
      // What the engine retains after a collection: about 12 MiB here; a kept frame or decode buffer would show.
      assertTrue(peakHeap < 64L << 20, "engine heap after GC peaked at " + (peakHeap >> 20) + " MiB");
    }
  }

  private Path config() throws IOException {
    Path config = dir.resolve("fuzz.conf");
    // A half frame at the end of a burst is answered when the client's end of input arrives; this only bounds
    // a frame whose forged length points past it.
    java.nio.file.Files.writeString(config, "omg.transport.frame-idle-timeout = 2s\n");
    return config;
  }


  /** Valid frames of every envelope and payload type, to mutate. */
  private List<byte[]> corpus() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("name", "ripgrep");
    map.put("size", 1234L);
    map.put("tags", List.of("search", 1, 2.5, true));
    List<Envelope> envelopes = List.of(
        new Hello(ProtocolVersion.CURRENT, "fuzz"),
        new Request(FIRST_FUZZ_ID, "echo", "hello"),
        new Request(FIRST_FUZZ_ID + 1, "echo", map),
        new Request(FIRST_FUZZ_ID + 2, "echo", new byte[] {1, 2, 3, 4, 5, 6, 7, 8}),
        new Request(FIRST_FUZZ_ID + 3, "ping", null),
        new Request(FIRST_FUZZ_ID + 4, "status", List.of(List.of(List.of("deep")))),
        new Request(FIRST_FUZZ_ID + 5, "nope", 42),
        Response.ok(FIRST_FUZZ_ID + 6, "a response from a client"));
    List<byte[]> frames = new ArrayList<>();
    envelopes.forEach(envelope -> frames.add(codec.encodeFrame(envelope)));
    frames.add(AllocationBombs.classNameClaimingGigabytes());
    frames.add(AllocationBombs.className(FIRST_FUZZ_ID + 7, "java.util.LinkedList"));
    frames.add(AllocationBombs.className(FIRST_FUZZ_ID + 8, "ch.qos.logback.classic.helpers.MDCInsertingServletFilter"));
    frames.add(AllocationBombs.stringClaiming(FIRST_FUZZ_ID + 9, Integer.MAX_VALUE - 1));
    frames.add(AllocationBombs.stringClaiming(FIRST_FUZZ_ID + 10, 1 << 28));
    frames.add(AllocationBombs.nestedListsClaimingTheBytesLeft(FIRST_FUZZ_ID + 11, 63, 4096));
    frames.add(AllocationBombs.emptyMapsFilling(FIRST_FUZZ_ID + 12, "echo", 4096));
    return frames;
  }

  private static byte[] mutate(List<byte[]> corpus, Random random) {
    byte[] frame = corpus.get(random.nextInt(corpus.size())).clone();
    switch (random.nextInt(6)) {
      case 0 -> { // bit flips anywhere, header included
        for (int flips = 1 + random.nextInt(4); flips > 0; flips--) {
          int bit = random.nextInt(frame.length * 8);
          frame[bit / 8] ^= (byte) (1 << (bit % 8));
        }
        return frame;
      }
      case 1 -> { // truncation: the next frame's bytes land inside this one
        return Arrays.copyOf(frame, 1 + random.nextInt(frame.length - 1));
      }
      case 2 -> { // splice: the head of one valid frame, the tail of another
        byte[] other = corpus.get(random.nextInt(corpus.size()));
        int cut = random.nextInt(frame.length);
        int from = random.nextInt(other.length);
        byte[] spliced = Arrays.copyOf(frame, cut + other.length - from);
        System.arraycopy(other, from, spliced, cut, other.length - from);
        return spliced;
      }
      case 3 -> { // a forged length: zero, negative, huge, or off by a little
        int length = switch (random.nextInt(4)) {
          case 0 -> 0;
          case 1 -> -1 - random.nextInt(Integer.MAX_VALUE);
          case 2 -> random.nextInt(Integer.MAX_VALUE);
          default -> frame.length - FrameHeader.LENGTH + random.nextInt(9) - 4;
        };
        FrameHeader.write(frame, 0, length);
        return frame;
      }
      case 4 -> { // random bytes in a correct frame
        byte[] payload = new byte[1 + random.nextInt(64)];
        random.nextBytes(payload);
        byte[] framed = new byte[FrameHeader.LENGTH + payload.length];
        FrameHeader.write(framed, 0, payload.length);
        System.arraycopy(payload, 0, framed, FrameHeader.LENGTH, payload.length);
        return framed;
      }
      default -> { // a byte of the payload replaced by a random one, the length kept
        frame[FrameHeader.LENGTH + random.nextInt(frame.length - FrameHeader.LENGTH)] = (byte) random.nextInt(256);
        return frame;
      }
    }
  }
}
