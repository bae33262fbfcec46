package dev.omg.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Reading systemd's LISTEN_* variables (sd_listen_fds(3)); the checks on a passed socket are in it/. */
class InheritedSocketTest {
  private static final long PID = 4242;

  @Test
  void noListenPidMeansNothingWasPassed() throws Exception {
    assertEquals(Optional.empty(), InheritedSocket.passedTo(PID, Map.of("LISTEN_FDS", "1")));
  }

  @Test
  void descriptorsPassedToAnotherProcessAreNotTaken() throws Exception {
    assertEquals(Optional.empty(), InheritedSocket.passedTo(PID, Map.of("LISTEN_PID", "1", "LISTEN_FDS", "1",
        "LISTEN_FDNAMES", "omg-engine")));
  }

  @Test
  void zeroDescriptorsMeansNothingWasPassed() throws Exception {
    assertEquals(Optional.empty(), InheritedSocket.passedTo(PID, Map.of("LISTEN_PID", "4242", "LISTEN_FDS", "0")));
  }

  @Test
  void descriptorsStartAtThreeWithTheirNames() throws Exception {
    assertEquals(Optional.of(List.of(new InheritedSocket.Passed(3, "other"), new InheritedSocket.Passed(4,
        "omg-engine"))), InheritedSocket.passedTo(PID, Map.of("LISTEN_PID", "4242", "LISTEN_FDS", "2",
        "LISTEN_FDNAMES", "other:omg-engine")));
  }

  @Test
  void descriptorsWithoutANameAreUnknown() throws Exception {
    assertEquals(Optional.of(List.of(new InheritedSocket.Passed(3, "unknown"), new InheritedSocket.Passed(4,
        "unknown"))), InheritedSocket.passedTo(PID, Map.of("LISTEN_PID", "4242", "LISTEN_FDS", "2")));
  }

  @Test
  void refusesACountThatIsNotANumber() {
    InheritedSocket.RefusedException refused = assertThrows(InheritedSocket.RefusedException.class,
        () -> InheritedSocket.passedTo(PID, Map.of("LISTEN_PID", "4242", "LISTEN_FDS", "two")));
    assertEquals("socket activation: LISTEN_FDS is 'two', not a number of descriptors", refused.getMessage());
  }

  @Test
  void refusesWhenNonePassedIsNamedForTheEngineOrBoundAtItsPath() throws Exception {
    // Descriptors 1000 and 1001 are not open in this JVM, so neither is bound anywhere.
    InheritedSocket.RefusedException refused = assertThrows(InheritedSocket.RefusedException.class,
        () -> InheritedSocket.take(List.of(new InheritedSocket.Passed(1000, "a"), new InheritedSocket.Passed(1001,
            "b")), java.nio.file.Path.of("/tmp/x/engine.sock"), SocketAccess.ownerOnly()));
    assertEquals("socket activation: none of the 2 inherited descriptors (fd 1000 to 1001) is named omg-engine "
        + "(FileDescriptorName=) or bound at the configured socket path /tmp/x/engine.sock", refused.getMessage());
  }
}
