package dev.omg.it.bench;

import dev.omg.it.EngineProcess;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/** The raw echo server ({@link RawEchoServer}) alone in a fresh JVM, for the rows that start or weigh a server. */
final class RawServerProcess implements AutoCloseable {
  /** The same heap limit as the engine's benchmark process, so memory figures compare like with like. */
  static final List<String> JVM_OPTIONS = List.of("-Xmx512m");

  private final Process process;
  private final Path socket;
  private final Path log;

  private RawServerProcess(Process process, Path socket, Path log) {
    this.process = process;
    this.socket = socket;
    this.log = log;
  }

  /** Starts the server on {@code directory/raw.sock} and returns at once, before it listens. */
  static RawServerProcess spawn(Path directory) throws IOException {
    Files.createDirectories(directory);
    Path socket = directory.resolve("raw.sock");
    Path log = directory.resolve("raw.log");
    List<String> command = new ArrayList<>(List.of(EngineProcess.java()));
    command.addAll(JVM_OPTIONS);
    command.addAll(List.of("-cp", Bench.ownClasses().toString(), RawEchoServer.class.getName(), socket.toString()));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new RawServerProcess(process, socket, log);
  }

  /** Starts the server and returns once it echoes. */
  static RawServerProcess start(Path directory, Duration timeout) throws IOException, InterruptedException {
    RawServerProcess server = spawn(directory);
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (!server.echoes()) {
        if (System.nanoTime() > deadline) {
          throw new IOException("raw server did not echo within " + timeout.toSeconds() + " s: " + server.log());
        }
        Thread.sleep(10);
      }
      return server;
    } catch (IOException | InterruptedException | RuntimeException e) {
      server.close();
      throw e;
    }
  }

  /**
   * One attempt: true when a new connection's 64-byte echo comes back whole; false while nothing listens yet.
   *
   * @throws IOException when the process has exited, or answered wrongly
   */
  boolean echoes() throws IOException {
    if (!process.isAlive()) {
      throw new IOException("raw server exited with " + process.exitValue() + ": " + log());
    }
    if (!Files.exists(socket)) {
      return false;
    }
    AFUNIXSocket connection;
    try {
      connection = AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(socket));
    } catch (IOException notListeningYet) {
      return false;
    }
    try (connection) {
      echoOnce(connection, Workloads.payload(Bench.PAYLOAD));
      return true;
    }
  }

  /** Sends one frame on {@code connection} and checks that the same bytes come back, waiting at most 10 s. */
  static void echoOnce(AFUNIXSocket connection, byte[] payload) throws IOException {
    connection.setSoTimeout((int) Workloads.REPLY_TIMEOUT.toMillis());
    OutputStream out = connection.getOutputStream();
    out.write(ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array());
    DataInputStream in = new DataInputStream(connection.getInputStream());
    int length = in.readInt();
    byte[] echoed = new byte[payload.length];
    if (length != payload.length) {
      throw new IOException("echo of " + payload.length + " bytes came back as " + length);
    }
    in.readFully(echoed);
    if (!Arrays.equals(payload, echoed)) {
      throw new IOException("echo of " + payload.length + " bytes came back changed");
    }
  }

  long pid() {
    return process.pid();
  }

  Path socket() {
    return socket;
  }

  private String log() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8).strip() : "";
    } catch (IOException e) {
      return "(log unreadable: " + e.getMessage() + ")";
    }
  }

  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
