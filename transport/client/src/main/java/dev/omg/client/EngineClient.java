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
import java.net.BindException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A connection to an engine. Thread-safe: any number of threads may {@link #send} at once and requests are
 * pipelined on the one socket; replies are paired with their requests by id, so they may arrive in any order.
 * Does not load Pekko, nor a native library: it speaks over the JDK's own Unix-domain {@link SocketChannel}, so a
 * CLI built on it starts as a lean JVM.
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
  private final SocketChannel channel;
  /** Held while a frame is written, so frames from several threads never interleave. */
  private final Object writing = new Object();
  /** Used only to wait until the channel can be written again after a partial write; guarded by {@link #writing}. */
  private volatile Selector writable;
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
  /** The engine's last answer about the connection itself (id 0), reported when the connection ends. */
  private volatile Response connectionError;
  private volatile IOException closedBecause;

  private EngineClient(SocketChannel channel, KryoCodec codec, ClientOptions options, Path socketPath,
      Deadline deadline) throws IOException {
    this.channel = channel;
    this.codec = codec;
    this.options = options;
    this.frames = new FrameReader(channel, options.maxFrameSize(), codec);
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
   * @throws PermissionDeniedException when the file modes keep this user from the socket
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
   * @throws PermissionDeniedException when the file modes keep this user from the socket
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
    SocketChannel channel = open(socketPath, deadline);
    try {
      return new EngineClient(channel, new KryoCodec(options.maxFrameSize(), options.userTypes()), options,
          socketPath, deadline);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /**
   * Asks the engine to stop without a hello: the one request every engine serves whatever protocol version the
   * client speaks (docs/protocol.md, "Stopping across versions"). Returns the engine's reply to the stop request.
   *
   * @throws NoEngineException when nothing listens at {@code socketPath}
   * @throws PermissionDeniedException when the file modes keep this user from the socket
   * @throws EngineException when the engine refuses the connection (UNAUTHORIZED) or closes it unanswered
   */
  public static Response stopWithoutHello(Path socketPath, ClientOptions options) throws IOException {
    Deadline deadline = Deadline.after(options.callTimeout());
    try (SocketChannel channel = open(socketPath, deadline)) {
      KryoCodec codec = new KryoCodec(options.maxFrameSize(), options.userTypes());
      FrameReader in = new FrameReader(channel, options.maxFrameSize(), codec);
      writeFully(channel, ByteBuffer.wrap(codec.encodeFrame(new Request(1, "stop", null))), null);
      Envelope reply;
      try {
        reply = in.next(timeoutMillis(deadline));
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

  /** A read timeout for what is left of {@code deadline}; never 0, which would mean no timeout. */
  private static int timeoutMillis(Deadline deadline) {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(1, deadline.remainingMillis()));
  }

  /** Connects a non-blocking channel to the engine's socket, waiting at most until {@code deadline}. */
  private static SocketChannel open(Path socketPath, Deadline deadline) throws IOException {
    try {
      SocketPaths.checkLength(socketPath);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
    try {
      Files.readAttributes(socketPath, BasicFileAttributes.class);
    } catch (AccessDeniedException e) {
      throw PermissionDeniedException.directory(socketPath);
    } catch (IOException e) {
      throw new NoEngineException(socketPath, "no engine at " + socketPath + " (the socket file does not exist)");
    }
    SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      channel.configureBlocking(false);
      // A listener whose backlog is full (a stopped engine) must not hold the connect past the deadline.
      if (!channel.connect(UnixDomainSocketAddress.of(socketPath))) {
        try (Selector selector = Selector.open()) {
          channel.register(selector, SelectionKey.OP_CONNECT);
          if (selector.select(timeoutMillis(deadline)) == 0) {
            throw noAnswer(socketPath, deadline, "to accept the connection");
          }
          channel.finishConnect();
        }
      }
      return channel;
    } catch (SocketTimeoutException e) {
      channel.close();
      throw e;
    } catch (BindException e) {
      // The JDK reports connect()'s EACCES as a BindException: the socket's mode does not let this user write.
      channel.close();
      throw PermissionDeniedException.socket(socketPath);
    } catch (SocketException e) {
      channel.close();
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
   * client's reader thread, or a thread waiting in {@link #call} or {@link PendingCall#await} on this client), so it must not block. Events
   * carry a sequence number from 1; a gap means the engine dropped events because this client read too slowly.
   */
  public PendingCall stream(String command, Object payload, Consumer<Progress> onProgress) {
    long id = ids.incrementAndGet();
    progressListeners.put(id, onProgress);
    CompletableFuture<Response> reply = send(id, new StreamRequest(id, command, payload));
    reply.whenComplete((response, failure) -> progressListeners.remove(id));
    wakeReader();
    return new PendingCall(id, command, reply, this);
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
    return options.retry().run("'" + command + "'",
        () -> await(sendForCaller(command, payload), command, Deadline.after(options.callTimeout())));
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
   * Waits until {@code deadline} for {@code reply}, a reply future of this client. While no other thread reads the
   * connection, this thread reads it, completing whichever replies arrive, until {@code reply} is done; then it
   * hands reading back to the reader thread if other replies are still awaited.
   */
  Response await(CompletableFuture<Response> reply, String command, Deadline deadline)
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
        dispatch(frames.next(timeoutMillis(deadline)));
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
    channel.close();
    // Whoever waits on a selector wakes, sees the channel closed and gives up its lock; then the selector goes.
    Selector waitingToWrite = writable;
    if (waitingToWrite != null) {
      waitingToWrite.wakeup();
    }
    synchronized (writing) {
      if (writable != null) {
        writable.close();
      }
    }
    if (reading.tryLock()) {
      try {
        frames.closeSelector();
      } finally {
        reading.unlock();
      }
    } else {
      // The reading thread closes it when it wakes.
      frames.wakeUp();
    }
  }

  /**
   * Sends our hello and reads the engine's, by {@code deadline}. An engine that turns the connection away
   * (UNAUTHORIZED, OVERLOADED) writes why before it reads anything, and may close at once; our hello then meets a
   * closed socket (a broken pipe) while the reason waits in our receive buffer, and is read from there. (The JDK's
   * channel stays open after a broken pipe; junixsocket's socket closes itself, losing the reason: that is why
   * the client does not use junixsocket.)
   */
  private Hello handshake(Path socketPath, Deadline deadline) throws IOException {
    try {
      write(new Hello(ProtocolVersion.CURRENT, options.agent()));
    } catch (IOException writeFailed) {
      Envelope why;
      try {
        why = frames.next(timeoutMillis(deadline));
      } catch (IOException nothingToRead) {
        writeFailed.addSuppressed(nothingToRead);
        throw new EngineClosedBeforeHelloException(socketPath, writeFailed);
      }
      throw refusal(why);
    }
    Envelope first;
    try {
      first = frames.next(timeoutMillis(deadline));
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
    ByteBuffer frame = ByteBuffer.wrap(codec.encodeFrame(envelope));
    synchronized (writing) {
      if (writable == null) {
        writable = Selector.open();
      }
      writeFully(channel, frame, writable);
    }
  }

  /**
   * Writes all of {@code frame} to the non-blocking {@code channel}; when the engine reads slower than we write,
   * waits on {@code writable} (null: a selector of its own) until there is room, as a blocking write would.
   */
  private static void writeFully(SocketChannel channel, ByteBuffer frame, Selector writable) throws IOException {
    channel.write(frame);
    if (!frame.hasRemaining()) {
      return;
    }
    Selector selector = writable != null ? writable : Selector.open();
    try {
      SelectionKey key = channel.keyFor(selector);
      if (key == null) {
        key = channel.register(selector, SelectionKey.OP_WRITE);
      }
      while (frame.hasRemaining()) {
        selector.select();
        selector.selectedKeys().clear();
        if (!channel.isOpen()) {
          throw new ClosedChannelException();
        }
        channel.write(frame);
      }
    } finally {
      if (writable == null) {
        selector.close();
      }
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
          while (!pending.isEmpty() && closedBecause == null) {
            dispatch(frames.next(0));
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
   * Reads frames from the engine, one at a time, for the one thread holding the read turn, from the non-blocking
   * channel: a read that finds nothing waits on a selector, up to a timeout. A read that times out leaves its
   * partly read frame here, so the next reader goes on where it stopped: nothing is lost or misframed.
   */
  private static final class FrameReader {
    private final SocketChannel channel;
    private final int maxFrameSize;
    private final KryoCodec codec;
    private final ByteBuffer buffer = ByteBuffer.allocate(64 * 1024).flip();
    private final byte[] header = new byte[FrameHeader.LENGTH];
    private int headerRead;
    private byte[] payload;
    private int payloadRead;
    private volatile Selector readable;

    FrameReader(SocketChannel channel, int maxFrameSize, KryoCodec codec) {
      this.channel = channel;
      this.maxFrameSize = maxFrameSize;
      this.codec = codec;
    }

    /**
     * The next frame, decoded.
     *
     * @param timeoutMillis how long to wait for bytes that have not come yet; 0 waits for ever
     * @throws SocketTimeoutException when no byte came for that long
     * @throws EOFException when the engine closed the connection
     */
    Envelope next(long timeoutMillis) throws IOException {
      long deadline = timeoutMillis == 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMillis * 1_000_000;
      while (headerRead < header.length) {
        headerRead += take(header, headerRead, header.length - headerRead, deadline);
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
        payloadRead += take(payload, payloadRead, payload.length - payloadRead, deadline);
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

    /** Copies up to {@code length} buffered bytes, reading the channel first (waiting if need be) if none are. */
    private int take(byte[] into, int offset, int length, long deadlineNanos) throws IOException {
      while (!buffer.hasRemaining()) {
        buffer.clear();
        int read;
        try {
          read = channel.read(buffer);
        } catch (ClosedChannelException e) {
          closeSelector();
          throw e;
        } finally {
          buffer.flip();
        }
        if (read < 0) {
          throw new EOFException("end of stream");
        }
        if (read == 0) {
          awaitReadable(deadlineNanos);
        }
      }
      int n = Math.min(length, buffer.remaining());
      buffer.get(into, offset, n);
      return n;
    }

    private void awaitReadable(long deadlineNanos) throws IOException {
      if (!channel.isOpen()) {
        closeSelector();
        throw new ClosedChannelException();
      }
      if (readable == null) {
        readable = Selector.open();
        channel.register(readable, SelectionKey.OP_READ);
      }
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        throw new SocketTimeoutException("no data within the read timeout");
      }
      // select(0) waits for ever; a deadline of Long.MAX_VALUE means exactly that.
      readable.select(deadlineNanos == Long.MAX_VALUE ? 0 : Math.max(1, (left + 999_999) / 1_000_000));
      readable.selectedKeys().clear();
      if (!channel.isOpen()) {
        closeSelector();
        throw new ClosedChannelException();
      }
    }

    /** Wakes the thread waiting for bytes, e.g. because the channel was closed. */
    void wakeUp() {
      Selector selector = readable;
      if (selector != null) {
        selector.wakeup();
      }
    }

    /** Frees the selector; only the thread holding the read turn (or none, at close) calls this. */
    void closeSelector() throws IOException {
      if (readable != null) {
        readable.close();
        readable = null;
      }
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
