package dev.omg.it.bench;

import dev.omg.it.EngineProcess;
import dev.omg.it.IdleConnections;
import dev.omg.it.ProcStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * What 1,000 idle connections cost a server: its threads and resident memory before they open, while they are
 * open, and after they close, read from {@code /proc/<pid>/status}. Each server is a fresh process of its own, so
 * no other workload's connections or heap growth are counted. "Before" is the server idle after the one
 * connection that found it ready; no warm-up, as a warm-up's connections leave the blocking transport's threads
 * behind for a minute and the baseline would no longer be an idle engine.
 */
final class IdleRow {
  static final int CONNECTIONS = 1_000;
  static final Duration SETTLE = Duration.ofSeconds(1);
  static final Duration SETTLE_DEADLINE = Duration.ofSeconds(10);
  private static final Duration HELLO_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  /** The three samples. */
  record Cost(ProcStatus before, ProcStatus open, ProcStatus closed) {
    int threadsAddedOpen() {
      return open.threads() - before.threads();
    }

    int threadsAddedClosed() {
      return closed.threads() - before.threads();
    }

    double mibAddedOpen() {
      return (open.rssKib() - before.rssKib()) / 1024.0;
    }

    double mibAddedClosed() {
      return (closed.rssKib() - before.rssKib()) / 1024.0;
    }

    String describe() {
      return String.format("threads %d -> %d open -> %d closed; RSS %.1f -> %.1f open -> %.1f closed MiB",
          before.threads(), open.threads(), closed.threads(), before.rssKib() / 1024.0, open.rssKib() / 1024.0,
          closed.rssKib() / 1024.0);
    }
  }

  /** Opens some number of idle connections to one server and closes them all. */
  @FunctionalInterface
  private interface Opener {
    AutoCloseable open(int count, IntConsumer opened) throws IOException;
  }

  private IdleRow() {}

  /** The engine jar, -Xmx512m as in the other rows, with room for the connections whatever its default limit. */
  static Cost engine(Path directory, Consumer<String> progress) throws Exception {
    Files.createDirectories(directory);
    Path config = Files.writeString(directory.resolve("idle.conf"), "omg.transport.max-connections = 2048\n");
    progress.accept("starting a fresh engine…");
    try (EngineProcess engine = EngineProcess.start(directory, List.of("-Xmx512m"), "--config",
        config.toString())) {
      Cost cost = measure(engine.pid(),
          (count, opened) -> IdleConnections.open(engine.socket(), count, HELLO_TIMEOUT, opened), progress);
      engine.terminate(START_TIMEOUT);
      return cost;
    }
  }

  /** The raw echo server alone in its own JVM; each connection does one echo where the engine's does its hello. */
  static Cost raw(Path directory, Consumer<String> progress) throws Exception {
    progress.accept("starting a fresh raw server…");
    try (RawServerProcess server = RawServerProcess.start(directory, START_TIMEOUT)) {
      return measure(server.pid(), (count, opened) -> rawConnections(server.socket(), count, opened), progress);
    }
  }

  private static Cost measure(long pid, Opener opener, Consumer<String> progress) throws Exception {
    ProcStatus before = ProcStatus.settled(pid, SETTLE, SETTLE_DEADLINE);
    progress.accept("opening " + String.format("%,d", CONNECTIONS) + " idle connections…");
    ProcStatus open;
    try (AutoCloseable connections = opener.open(CONNECTIONS, opened -> {
      if (opened % 250 == 0 && opened < CONNECTIONS) {
        progress.accept(String.format("%,d open…", opened));
      }
    })) {
      open = ProcStatus.settled(pid, SETTLE, SETTLE_DEADLINE);
    }
    progress.accept("closed them; waiting for the thread count to settle…");
    ProcStatus closed = ProcStatus.settled(pid, SETTLE, SETTLE_DEADLINE);
    Cost cost = new Cost(before, open, closed);
    progress.accept(cost.describe());
    return cost;
  }

  private static AutoCloseable rawConnections(Path socket, int count, IntConsumer opened) throws IOException {
    List<AFUNIXSocket> sockets = new ArrayList<>(count);
    AutoCloseable all = () -> {
      for (AFUNIXSocket connection : sockets) {
        connection.close();
      }
    };
    byte[] payload = Workloads.payload(Bench.PAYLOAD);
    try {
      for (int i = 0; i < count; i++) {
        AFUNIXSocket connection = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(socket));
        sockets.add(connection);
        RawServerProcess.echoOnce(connection, payload);
        opened.accept(i + 1);
      }
      return all;
    } catch (IOException | RuntimeException e) {
      for (AFUNIXSocket connection : sockets) {
        connection.close();
      }
      throw e;
    }
  }
}
