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
import dev.omg.transport.FrameHeader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * A connection to an engine. Thread-safe: any number of threads may {@link #send} at once and requests are
 * pipelined on the one socket; replies are paired with their requests by id, so they may arrive in any order.
 * Does not load Pekko, so a CLI built on it starts as a lean JVM.
 *
 * <p>Threading: one thread at a time reads the socket. A blocking {@link #call} (or {@link #await}) reads its
 * own reply on the calling thread when no other thread is reading, so sequential use costs no thread hand-off;
 * when the caller leaves with other replies still awaited, the client's reader thread ({@code omg-client-reader},
 * started on first need) takes over. {@link #send} and {@link #stream} hand reading to that thread. So a reply
 * future completes, and a progress listener runs, on whichever thread read the frame: the reader thread or a
 * thread blocked in {@code call}/{@code await} on this client. Callbacks attached to reply futures must not
 * block: they would stall every reply on the connection.
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
  private final FrameReader frames;
  private final KryoCodec codec;
  private final ClientOptions options;
  private final Hello serverHello;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, CompletableFuture<Response>> pending = new ConcurrentHashMap<>();
  private final Map<Long, Consumer<Progress>> progressListeners = new ConcurrentHashMap<>();
  /** Held by the one thread reading the socket: a caller reading its own reply, or the reader thread. */
  private final ReentrantLock reading = new ReentrantLock();
  /** Guards the reader thread's start and its wake-up flag. */
  private final Object readerSignal = new Object();
  private Thread reader;
  private boolean readerWanted;
  /** The read timeout now set on the socket, in ms (0: none); changed only by the thread holding {@link #reading}. */
  private int readTimeoutMillis = -1;
  /** The engine's last answer about the connection itself (id 0), reported when the connection ends. */
  private volatile Response connectionError;
  private volatile IOException closedBecause;

  private EngineClient(AFUNIXSocket socket, KryoCodec codec, ClientOptions options, Path socketPath,
      Deadline deadline) throws IOException {
    this.socket = socket;
    this.codec = codec;
    this.options = options;
    this.out = socket.getOutputStream();
    this.frames = new FrameReader(socket.getInputStream(), options.maxFrameSize(), codec);
    this.serverHello = handshake(socketPath, deadline);
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
    return connect(socketPath, options, Deadline.after(options.callTimeout()));
  }

  /**
   * Connects and exchanges hellos, all of it (connection-level OVERLOADED retries included) by {@code deadline}.
   * A connection turned away OVERLOADED (the engine's connection limit) is retried as the options' retry policy
   * says, waiting the engine's hint, while the deadline allows.
   *
   * @throws NoEngineException when nothing listens at {@code socketPath}
   * @throws EngineException when the engine refuses the connection (UNAUTHORIZED, VERSION_MISMATCH, or OVERLOADED
   *     once retries or time run out)
   * @throws SocketTimeoutException when the engine accepted but did not answer the hello by the deadline
   */
  public static EngineClient connect(Path socketPath, ClientOptions options, Deadline deadline)
      throws IOException {
    for (int retry = 1; ; retry++) {
      try {
        return connectOnce(socketPath, options, deadline);
      } catch (EngineException e) {
        if (e.status() != Status.OVERLOADED || retry > options.retry().maxRetries()) {
          throw e;
        }
        long wait = options.retry().waitMillis(retry, e.retryAfterMillis());
        if (wait >= deadline.remainingMillis()) {
          throw e;
        }
        RetryPolicy.pause(wait, "connecting");
      } catch (EngineClosedBeforeHelloException e) {
        // Closed without a readable reason (see handshake): the next connection will hear it.
        long wait = options.retry().waitMillis(retry, 0);
        if (retry > options.retry().maxRetries() || wait >= deadline.remainingMillis()) {
          throw e;
        }
        RetryPolicy.pause(wait, "connecting");
      }
    }
  }

  private static EngineClient connectOnce(Path socketPath, ClientOptions options, Deadline deadline)
      throws IOException {
    AFUNIXSocket socket = open(socketPath, deadline);
    try {
      return new EngineClient(socket, new KryoCodec(options.maxFrameSize(), options.userTypes()), options,
          socketPath, deadline);
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
    Deadline deadline = Deadline.after(options.callTimeout());
    try (AFUNIXSocket socket = open(socketPath, deadline)) {
      socket.setSoTimeout(timeoutMillis(deadline));
      KryoCodec codec = new KryoCodec(options.maxFrameSize(), options.userTypes());
      OutputStream out = socket.getOutputStream();
      FrameReader in = new FrameReader(socket.getInputStream(), options.maxFrameSize(), codec);
      out.write(codec.encodeFrame(new Request(1, "stop", null)));
      out.flush();
      Envelope reply;
      try {
        reply = in.next();
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

  /** A socket read timeout for what is left of {@code deadline}; never 0, which would mean no timeout. */
  private static int timeoutMillis(Deadline deadline) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, deadline.remainingMillis()));
  }

  private static AFUNIXSocket open(Path socketPath, Deadline deadline) throws IOException {
    try {
      SocketPaths.checkLength(socketPath);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
    if (!Files.exists(socketPath)) {
      throw new NoEngineException(socketPath, "no engine at " + socketPath + " (the socket file does not exist)");
    }
    AFUNIXSocket socket = AFUNIXSocket.newInstance();
    try {
      // A listener whose backlog is full (a stopped engine) would hold a plain connect for ever.
      socket.connect(AFUNIXSocketAddress.of(socketPath), timeoutMillis(deadline));
      return socket;
    } catch (SocketTimeoutException e) {
      socket.close();
      throw noAnswer(socketPath, deadline, "to accept the connection");
    } catch (SocketException e) {
      socket.close();
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
   * exceptionally with an {@link IOException} if the connection ends first; it completes on the thread that reads
   * the reply (see the class comment), so callbacks on it must not block.
   */
  public CompletableFuture<Response> send(String command, Object payload) {
    long id = ids.incrementAndGet();
    CompletableFuture<Response> reply = send(id, new Request(id, command, payload));
    wakeReader();
    return reply;
  }

  /**
   * Sends a request that accepts progress events, without waiting. {@code onProgress} is called for each event
   * the handler reports, in order, before the reply completes; it runs on the thread reading the connection (the
   * client's reader thread, or a thread blocked in {@link #await} on this client), so it must not block. Events
   * carry a sequence number from 1; a gap means the engine dropped events because this client read too slowly.
   */
  public PendingCall stream(String command, Object payload, Consumer<Progress> onProgress) {
    long id = ids.incrementAndGet();
    progressListeners.put(id, onProgress);
    CompletableFuture<Response> reply = send(id, new StreamRequest(id, command, payload));
    reply.whenComplete((response, failure) -> progressListeners.remove(id));
    wakeReader();
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
    // The connection may have failed everything between our check and put: make sure this one is not forgotten.
    if (closedBecause != null && pending.remove(id) != null) {
      reply.completeExceptionally(closedBecause);
    }
    return reply;
  }

  /**
   * Sends a request and waits up to the configured call timeout for its reply. An OVERLOADED reply is retried as
   * the {@link RetryPolicy} says; when retries run out, the last OVERLOADED reply is returned. When no other
   * thread is reading this connection, the reply is read on the calling thread.
   */
  public Response call(String command, Object payload) throws IOException, TimeoutException {
    return options.retry().run("'" + command + "'", () -> await(sendForCaller(command, payload), command));
  }

  /**
   * As {@link #call(String, Object)}, with the attempt and its OVERLOADED retries all over by {@code deadline}
   * rather than each within the call timeout.
   */
  public Response call(String command, Object payload, Deadline deadline) throws IOException, TimeoutException {
    return options.retry().run("'" + command + "'", deadline,
        () -> await(sendForCaller(command, payload), command, deadline));
  }

  /** Sends for a caller that waits for the reply itself and so reads it, unless someone else is reading. */
  private CompletableFuture<Response> sendForCaller(String command, Object payload) {
    long id = ids.incrementAndGet();
    return send(id, new Request(id, command, payload));
  }

  /**
   * Waits up to the configured call timeout for {@code reply}, the reply to {@code command} (named in the
   * messages): the reply whatever its status, else the IOException that ended the connection, or a timeout.
   */
  public Response await(CompletableFuture<Response> reply, String command) throws IOException, TimeoutException {
    return await(reply, command, Deadline.after(options.callTimeout()));
  }

  /**
   * Waits until {@code deadline} for {@code reply}, a reply future of this client. While no other thread reads the
   * connection, this thread reads it, completing whichever replies arrive, until {@code reply} is done; then it
   * hands reading back to the reader thread if other replies are still awaited.
   */
  public Response await(CompletableFuture<Response> reply, String command, Deadline deadline)
      throws IOException, TimeoutException {
    try {
      while (!reply.isDone()) {
        if (reading.tryLock()) {
          try {
            readUntilDone(reply, command, deadline);
          } finally {
            reading.unlock();
            handOffReading();
          }
        } else {
          // Another thread reads this connection; it completes our reply, or hands reading on when it leaves.
          return reply.get(deadline.remainingNanos(), TimeUnit.NANOSECONDS);
        }
      }
      return reply.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for '" + command + "'", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    } catch (TimeoutException e) {
      throw timedOut(command, deadline);
    }
  }

  private static TimeoutException timedOut(String command, Deadline deadline) {
    return new TimeoutException("no reply to '" + command + "' within " + deadline.budget().toMillis() + " ms");
  }

  /** Reads frames on this thread, holding {@link #reading}, until {@code reply} completes or time runs out. */
  private void readUntilDone(CompletableFuture<Response> reply, String command, Deadline deadline)
      throws TimeoutException {
    while (!reply.isDone()) {
      if (deadline.passed()) {
        throw timedOut(command, deadline);
      }
      try {
        setReadTimeout(timeoutMillis(deadline));
        dispatch(frames.next());
      } catch (SocketTimeoutException e) {
        // The frame reader keeps a partly read frame; whoever reads next goes on from there.
        throw timedOut(command, deadline);
      } catch (IOException e) {
        connectionEnded(e);
      }
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

  /**
   * Sends our hello and reads the engine's, by {@code deadline}. An engine that turns the connection away
   * (UNAUTHORIZED, OVERLOADED) writes why before it reads anything, and may close at once; our hello then meets a
   * closed socket (a broken pipe) while the reason waits in our receive buffer, and is read from there. The hello
   * is written through the socket's channel: junixsocket's output stream closes the socket on a broken pipe,
   * which would lose the reason.
   */
  private Hello handshake(Path socketPath, Deadline deadline) throws IOException {
    socket.setSoTimeout(timeoutMillis(deadline));
    ByteBuffer hello = ByteBuffer.wrap(codec.encodeFrame(new Hello(ProtocolVersion.CURRENT, options.agent())));
    try {
      while (hello.hasRemaining()) {
        socket.getChannel().write(hello);
      }
    } catch (IOException writeFailed) {
      Envelope why;
      try {
        why = frames.next();
      } catch (IOException nothingToRead) {
        writeFailed.addSuppressed(nothingToRead);
        throw new EngineClosedBeforeHelloException(socketPath, writeFailed);
      }
      throw refusal(why);
    }
    Envelope first;
    try {
      first = frames.next();
    } catch (SocketTimeoutException e) {
      throw noAnswer(socketPath, deadline, "to answer the hello");
    }
    if (first instanceof Hello hello) {
      return hello;
    }
    throw refusal(first);
  }

  /** The engine accepted (or was asked to) but said nothing by the deadline: stopped, or overloaded. */
  private static SocketTimeoutException noAnswer(Path socketPath, Deadline deadline, String waitingFor) {
    return new SocketTimeoutException("no answer from the engine at " + socketPath + " within "
        + deadline.budget().toMillis() + " ms (waiting for it " + waitingFor + ")");
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

  /** Sets the socket's read timeout if it differs; only the thread holding {@link #reading} calls this. */
  private void setReadTimeout(int millis) throws IOException {
    if (millis != readTimeoutMillis) {
      socket.setSoTimeout(millis);
      readTimeoutMillis = millis;
    }
  }

  /** Pairs one frame from the engine with what waits for it. */
  private void dispatch(Envelope envelope) {
    if (envelope instanceof Progress progress) {
      Consumer<Progress> listener = progressListeners.get(progress.id());
      if (listener != null) {
        try {
          listener.accept(progress);
        } catch (RuntimeException e) {
          // A broken listener fails its own call, not the connection.
          progressListeners.remove(progress.id());
          CompletableFuture<Response> reply = pending.remove(progress.id());
          if (reply != null) {
            reply.completeExceptionally(new IOException("progress listener failed: " + e, e));
          }
        }
      }
      return;
    }
    if (envelope instanceof Response response) {
      if (response.id() == 0) {
        connectionError = response;
        return;
      }
      CompletableFuture<Response> reply = pending.remove(response.id());
      if (reply != null) {
        reply.complete(response);
      }
    }
  }

  /** The connection ended while reading: every awaited reply fails, with the engine's reason if it gave one. */
  private void connectionEnded(IOException e) {
    Response why = connectionError;
    if (e instanceof EOFException) {
      fail(why != null ? new EngineException(why.status(), why.status() + ": " + why.error())
          : new EngineException(null, "the engine closed the connection"));
    } else {
      fail(why != null ? new EngineException(why.status(), why.status() + ": " + why.error(), e) : e);
    }
  }

  /** A caller stopped reading: if replies are still awaited, the reader thread reads on. */
  private void handOffReading() {
    if (!pending.isEmpty() && closedBecause == null) {
      wakeReader();
    }
  }

  /** Asks the reader thread (started on first need) to read while replies are awaited. */
  private void wakeReader() {
    synchronized (readerSignal) {
      readerWanted = true;
      if (reader == null) {
        reader = new Thread(this::readerLoop, "omg-client-reader");
        reader.setDaemon(true);
        reader.start();
      } else {
        readerSignal.notify();
      }
    }
  }

  /** The reader thread: sleeps until woken, then reads while replies are awaited and no caller reads itself. */
  private void readerLoop() {
    while (closedBecause == null) {
      synchronized (readerSignal) {
        while (!readerWanted && closedBecause == null) {
          try {
            readerSignal.wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        readerWanted = false;
      }
      // A caller that holds the lock hands reading back (handOffReading) when it leaves.
      if (!pending.isEmpty() && reading.tryLock()) {
        try {
          setReadTimeout(0);
          while (!pending.isEmpty() && closedBecause == null) {
            dispatch(frames.next());
          }
        } catch (IOException e) {
          connectionEnded(e);
        } finally {
          reading.unlock();
        }
        // A request sent while we stopped is read by another pass.
        if (!pending.isEmpty()) {
          synchronized (readerSignal) {
            readerWanted = true;
          }
        }
      }
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
    synchronized (readerSignal) {
      readerSignal.notifyAll();
    }
  }

  /**
   * Reads frames from the engine, one at a time, for the one thread holding the read turn. A read that times out
   * leaves its partly read frame here, so the next reader goes on where it stopped: nothing is lost or misframed.
   */
  private static final class FrameReader {
    private final InputStream in;
    private final int maxFrameSize;
    private final KryoCodec codec;
    private final byte[] buffer = new byte[64 * 1024];
    private int start;
    private int end;
    private final byte[] header = new byte[FrameHeader.LENGTH];
    private int headerRead;
    private byte[] payload;
    private int payloadRead;

    FrameReader(InputStream in, int maxFrameSize, KryoCodec codec) {
      this.in = in;
      this.maxFrameSize = maxFrameSize;
      this.codec = codec;
    }

    Envelope next() throws IOException {
      while (headerRead < header.length) {
        headerRead += take(header, headerRead, header.length - headerRead);
      }
      if (payload == null) {
        int length = FrameHeader.read(header, 0);
        if (length < 0 || length > maxFrameSize) {
          throw new EngineException(null, "engine sent a frame of " + length + " bytes; the maximum is "
              + maxFrameSize);
        }
        payload = new byte[length];
        payloadRead = 0;
      }
      while (payloadRead < payload.length) {
        payloadRead += take(payload, payloadRead, payload.length - payloadRead);
      }
      byte[] frame = payload;
      payload = null;
      headerRead = 0;
      try {
        return codec.decode(frame);
      } catch (MalformedPayloadException e) {
        throw new EngineException(null, "engine sent an undecodable frame: " + e.getMessage(), e);
      }
    }

    /** Copies up to {@code length} buffered bytes, reading the socket first if none are buffered. */
    private int take(byte[] into, int offset, int length) throws IOException {
      if (start == end) {
        int read = in.read(buffer, 0, buffer.length);
        if (read < 0) {
          throw new EOFException("end of stream");
        }
        start = 0;
        end = read;
      }
      int n = Math.min(length, end - start);
      System.arraycopy(buffer, start, into, offset, n);
      start += n;
      return n;
    }
  }

  /** The engine closed a new connection before our hello could be written, without a reason we could read. */
  static final class EngineClosedBeforeHelloException extends SocketException {
    EngineClosedBeforeHelloException(Path socketPath, IOException cause) {
      super("the engine at " + socketPath + " closed the connection before reading our hello (" + cause.getMessage()
          + "); it turns connections away when at its limit (omg.transport.max-connections) or stopping");
      initCause(cause);
    }
  }
}
