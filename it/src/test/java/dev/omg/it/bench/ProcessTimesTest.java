package dev.omg.it.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class ProcessTimesTest {
  private static final long MS = 1_000_000;

  @Test
  void p90OfTwentyRunsIsTheEighteenthFastest() {
    long[] nanos = LongStream.rangeClosed(1, 20).map(i -> (21 - i) * MS).toArray();
    ProcessTimes.Summary summary = ProcessTimes.summarize(nanos);
    assertEquals(18.0, summary.p90Millis());
    assertEquals(10.5, summary.medianMillis());
    assertEquals(10.5, summary.meanMillis());
  }

  @Test
  void oneRunIsItsOwnMedianAndP90() {
    ProcessTimes.Summary summary = ProcessTimes.summarize(new long[] {7 * MS});
    assertEquals(new ProcessTimes.Summary(7.0, 7.0, 7.0), summary);
  }
}
