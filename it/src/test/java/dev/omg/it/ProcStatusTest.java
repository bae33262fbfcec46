package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcStatusTest {
  @Test
  void readsTheThreadCountAndResidentMemoryOfAStatusFile() throws IOException {
    List<String> lines = List.of("Name:\tjava", "VmPeak:\t 4021436 kB", "VmRSS:\t  123456 kB", "RssAnon:\t 100 kB",
        "Threads:\t42", "SigQ:\t0/63619");
    assertEquals(new ProcStatus(42, 123_456), ProcStatus.parse(lines, 7));
  }

  @Test
  void namesTheLineAndProcessWhenALineIsMissing() {
    IOException e = assertThrows(IOException.class,
        () -> ProcStatus.parse(List.of("Name:\tjava", "Threads:\t42"), 7));
    assertEquals("/proc/7/status has no VmRSS: line", e.getMessage());
  }

  @Test
  void readsThisProcess() throws IOException {
    ProcStatus self = ProcStatus.of(ProcessHandle.current().pid());
    // A JVM runs at least its main, GC and compiler threads, and holds more than a megabyte.
    assertTrue(self.threads() >= 3, "threads: " + self.threads());
    assertTrue(self.rssKib() > 1024, "RSS: " + self.rssKib() + " KiB");
  }
}
