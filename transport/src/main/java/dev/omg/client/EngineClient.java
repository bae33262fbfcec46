package dev.omg.client;

import dev.omg.protocol.Cancel;
import dev.omg.protocol.Envelope;
import dev.omg.protocol.Hello;
import dev.omg.protocol.Progress;
import dev.omg.protocol.ProtocolVersion;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.protocol.StreamRequest;
import dev.omg.transport.KryoCodec;
import dev.omg.transport.MalformedPayloadException;
import dev.omg.transport.SocketPaths;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * A connection to an engine. Thread-safe: any number of threads may {@link #send} at once and requests are
 * pipelined on the one socket; a reader thread pairs each reply with its request by id, so replies may arrive in
 * any order. Does not load Pekko, so a CLI built on it starts as a lean JVM.
 *
 * <pre>{@code
 * try (EngineClient client = EngineClient.connect(socketPath)) {
 *   Response reply = client.call("echo", "hello");
 * }
 * }</pre>
 */
public final class EngineClient implements AutoCloseable {
  private final AFUNIXSocket socket;
  private final OutputStream out;
  private final DataInputStream in;
  private final KryoCodec codec;
  private final ClientOptions options;
  private final Hello serverHello;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<Response>> pending = new ConcurrentHashMap<>();
  private final Map<Long, Consumer<Progress>> progressListeners = new ConcurrentHashMap<>();
  private final Thread reader;
  private volatile IOException closedBecause;

  private EngineClient(AFUNIXSocket socket, KryoCodec codec, ClientOptions options) throws IOException {
    this.socket = socket;
    this.codec = codec;
    this.options = options;
    this.out = socket.getOutputStream();
    this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 64 * 1024));
    // An engine that accepted but hangs must not hang the client: the hello waits at most the call timeout.
    socket.setSoTimeout(timeoutMillis(options));
    this.serverHello = handshake();
    socket.setSoTimeout(0);
    this.reader = new Thread(this::readReplies, "omg-client-reader");
    reader.setDaemon(true);
    reader.start();
  }

  /** Connects with default options and exchanges hellos. */
  public static EngineClient connect(Path socketPath) throws IOException {
    return connect(socketPath, ClientOptions.defaults());
  }

  /**
   * Connects and exchanges hellos.
   *
   * @throws NoEngineException when nothing listens at {@code socketPath}
   * @throws EngineException when the engine refuses the connection (UNAUTHORIZED, VERSION_MISMATCH)
   */
  public static EngineClient connect(Path socketPath, ClientOptions options) throws IOException {
    for (int retry = 1; ; retry++) {
      try {
        return connectOnce(socketPath, options);
      } catch (EngineException e) {
        if (e.status() != Status.OVERLOADED || retry > options.retry().maxRetries()) {
          throw e;
        }
        RetryPolicy.pause(options.retry().waitMillis(retry, e.retryAfterMillis()), "connecting");
      }
    }
  }

  private static EngineClient connectOnce(Path socketPath, ClientOptions options) throws IOException {
    AFUNIXSocket socket = open(socketPath);
    try {
      return new EngineClient(socket, new KryoCodec(options.maxFrameSize(), options.userTypes()), options);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /**
   * Asks the engine to stop without a hello: the one request every engine serves whatever protocol version the
   * client speaks (docs/protocol.md, "Stopping across versions"). Returns the engine's reply to the stop request.
   *
   * @throws NoEngineException when nothing listens at {@code socketPath}
   * @throws EngineException when the engine refuses the connection (UNAUTHORIZED) or closes it unanswered
   */
  public static Response stopWithoutHello(Path socketPath, ClientOptions options) throws IOException {
    try (AFUNIXSocket socket = open(socketPath)) {
      socket.setSoTimeout(timeoutMillis(options));
      KryoCodec codec = new KryoCodec(options.maxFrameSize(), options.userTypes());
      OutputStream out = socket.getOutputStream();
      DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
      out.write(codec.encodeFrame(new Request(1, "stop", null)));
      out.flush();
      Envelope reply;
      try {
        reply = read(in, codec, options);
      } catch (EOFException e) {
        throw new EngineException(null, "the engine closed the connection without answering 'stop'");
      }
      if (reply instanceof Response response && response.id() == 1) {
        return response;
      }
      if (reply instanceof Response response && !response.isOk()) {
        throw new EngineException(response.status(), response.status() + ": " + response.error());
      }
      throw new EngineException(null, "expected the reply to 'stop', got " + reply);
    }
  }

  private static int timeoutMillis(ClientOptions options) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, options.callTimeout().toMillis()));
  }

  private static AFUNIXSocket open(Path socketPath) throws IOException {
    try {
      SocketPaths.checkLength(socketPath);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
    if (!Files.exists(socketPath)) {
      throw new NoEngineException(socketPath, "no engine at " + socketPath + " (the socket file does not exist)");
    }
    try {
      return AFUNIXSocket.connectTo(AFUNIXSocketAddress.of(socketPath));
    } catch (SocketException e) {
      throw new NoEngineException(socketPath,
          "no engine listening at " + socketPath + " (" + e.getMessage() + "; a stale socket file?)");
    }
  }

  /** What the engine said of itself in its hello: protocol version and agent (e.g. omg-engine/0.1.0). */
  public Hello serverHello() {
    return serverHello;
  }

  /**
   * Sends a request without waiting. The future completes with the engine's reply, whatever its status, or
   * exceptionally with an {@link IOException} if the connection ends first.
   */
  public CompletableFuture<Response> send(String command, Object payload) {
    long id = ids.incrementAndGet();
    return send(id, new Request(id, command, payload));
  }

  /**
   * Sends a request that accepts progress events, without waiting. {@code onProgress} is called for each event
   * the handler reports, in order, before the reply completes; it runs on the client's reader thread, so it must
   * not block. Events carry a sequence number from 1; a gap means the engine dropped events because this client
   * read too slowly.
   */
  public PendingCall stream(String command, Object payload, Consumer<Progress> onProgress) {
    long id = ids.incrementAndGet();
    progressListeners.put(id, onProgress);
    CompletableFuture<Response> reply = send(id, new StreamRequest(id, command, payload));
    reply.whenComplete((response, failure) -> progressListeners.remove(id));
    return new PendingCall(id, reply, this);
  }

  /**
   * Asks the engine to cancel request {@code id}; its reply completes with CANCELLED unless the handler's answer
   * crossed the cancel. Returns at once; unknown ids are ignored by the engine.
   */
  public void cancel(long id) throws IOException {
    IOException closed = closedBecause;
    if (closed != null) {
      throw closed;
    }
    write(new Cancel(id));
  }

  private CompletableFuture<Response> send(long id, Envelope request) {
    CompletableFuture<Response> reply = new CompletableFuture<>();
    IOException closed = closedBecause;
    if (closed != null) {
      reply.completeExceptionally(closed);
      return reply;
    }
    pending.put(id, reply);
    try {
      write(request);
    } catch (IOException | RuntimeException e) {
      pending.remove(id);
      reply.completeExceptionally(e);
    }
    // The reader may have failed everything between our check and put: make sure this one is not forgotten.
    if (closedBecause != null && pending.remove(id) != null) {
      reply.completeExceptionally(closedBecause);
    }
    return reply;
  }

  /**
   * Sends a request and waits up to the configured call timeout for its reply. An OVERLOADED reply is retried as
   * the {@link RetryPolicy} says; when retries run out, the last OVERLOADED reply is returned.
   */
  public Response call(String command, Object payload) throws IOException, TimeoutException {
    return options.retry().run("'" + command + "'", () -> await(send(command, payload), command));
  }

  /**
   * Waits up to the configured call timeout for {@code reply}, the reply to {@code command} (named in the
   * messages): the reply whatever its status, else the IOException that ended the connection, or a timeout.
   */
  public Response await(CompletableFuture<Response> reply, String command) throws IOException, TimeoutException {
    try {
      return reply.get(options.callTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for '" + command + "'", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    } catch (TimeoutException e) {
      throw new TimeoutException("no reply to '" + command + "' within " + options.callTimeout().toMillis() + " ms");
    }
  }

  /** Requests sent and not yet answered. */
  public int pendingCount() {
    return pending.size();
  }

  public boolean isOpen() {
    return closedBecause == null;
  }

  @Override
  public void close() throws IOException {
    fail(new IOException("client closed"));
    socket.close();
  }

  private Hello handshake() throws IOException {
    // An engine that turns the connection away (UNAUTHORIZED, OVERLOADED) writes why, then keeps its socket open
    // a moment so that this hello still lands and the reason can be read.
    write(new Hello(ProtocolVersion.CURRENT, options.agent()));
    Envelope first = readEnvelope();
    if (first instanceof Hello hello) {
      return hello;
    }
    throw refusal(first);
  }

  private static EngineException refusal(Envelope instead) {
    if (instead instanceof Response response && !response.isOk()) {
      return new EngineException(response.status(), response.status() + ": " + response.error(),
          response.retryAfterMillis());
    }
    return new EngineException(null, "expected the engine's hello, got " + instead);
  }

  private void write(Envelope envelope) throws IOException {
    byte[] frame = codec.encodeFrame(envelope);
    synchronized (out) {
      out.write(frame);
      out.flush();
    }
  }

  private Envelope readEnvelope() throws IOException {
    return read(in, codec, options);
  }

  private static Envelope read(DataInputStream in, KryoCodec codec, ClientOptions options) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > options.maxFrameSize()) {
      throw new EngineException(null, "engine sent a frame of " + length + " bytes; the maximum is "
          + options.maxFrameSize());
    }
    byte[] payload = new byte[length];
    in.readFully(payload);
    try {
      return codec.decode(payload);
    } catch (MalformedPayloadException e) {
      throw new EngineException(null, "engine sent an undecodable frame: " + e.getMessage(), e);
    }
  }

  private void readReplies() {
    Response connectionError = null;
    try {
      while (true) {
        Envelope envelope = readEnvelope();
        if (envelope instanceof Progress progress) {
          Consumer<Progress> listener = progressListeners.get(progress.id());
          if (listener != null) {
            try {
              listener.accept(progress);
            } catch (RuntimeException e) {
              // A broken listener fails its own call, not the connection's reader.
              progressListeners.remove(progress.id());
              CompletableFuture<Response> reply = pending.remove(progress.id());
              if (reply != null) {
                reply.completeExceptionally(new IOException("progress listener failed: " + e, e));
              }
            }
          }
          continue;
        }
        if (envelope instanceof Response response) {
          if (response.id() == 0) {
            connectionError = response;
            continue;
          }
          CompletableFuture<Response> reply = pending.remove(response.id());
          if (reply != null) {
            reply.complete(response);
          }
        }
      }
    } catch (EOFException e) {
      fail(connectionError != null
          ? new EngineException(connectionError.status(),
              connectionError.status() + ": " + connectionError.error())
          : new EngineException(null, "the engine closed the connection"));
    } catch (IOException e) {
      fail(connectionError != null
          ? new EngineException(connectionError.status(), connectionError.status() + ": " + connectionError.error(), e)
          : e);
    }
  }

  private void fail(IOException reason) {
    if (closedBecause == null) {
      closedBecause = reason;
    }
    for (Long id : pending.keySet()) {
      CompletableFuture<Response> reply = pending.remove(id);
      if (reply != null) {
        reply.completeExceptionally(closedBecause);
      }
    }
  }
}
