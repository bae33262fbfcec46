package dev.omg.transport;

import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.transport.socket.IncomingConnection;
import dev.omg.transport.socket.SelectorLoops;
import dev.omg.transport.socket.ServerBinding;
import dev.omg.transport.socket.SocketSettings;
import dev.omg.transport.socket.UnixDomainSocket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API. The engine's listening socket: {@link UnixDomainSocket#bind} plus the engine's policy. The socket
 * file is 0600 (0660 with the shared group, {@link SocketAccess}) before its public name exists; every connection's
 * peer credentials are checked before any byte of it is read, and the connection limit applied: a connection that
 * is not served gets one frame saying why (UNAUTHORIZED, or OVERLOADED with a retry-after hint) and is closed.
 * Served connections run the flow the engine gives for them, on the selector threads.
 */
public final class UnixSocketServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(UnixSocketServer.class);
  /** How long a refused connection may stay half-open so the peer's hello lands and it can read the answer. */
  private static final Duration REFUSE_LINGER = Duration.ofSeconds(2);
  /** Refused connections lingering at most at once; past it they close as soon as their input is drained. */
  private static final int MAX_LINGERING = 1024;
  private static final Duration BIND_TIMEOUT = Duration.ofSeconds(10);

  private final Path path;
  private final TransportSettings settings;
  private final KryoCodec codec;
  private final long ownUid = SocketPaths.currentUid();
  private final AtomicInteger lingering = new AtomicInteger();
  private final Map<IncomingConnection, UniqueKillSwitch> open = new ConcurrentHashMap<>();
  private final Function<IncomingConnection, Flow<ByteString, ByteString, ?>> handler;
  private final Materializer materializer;
  private ServerBinding binding;

  private UnixSocketServer(Path path, TransportSettings settings, KryoCodec codec,
      Function<IncomingConnection, Flow<ByteString, ByteString, ?>> handler, Materializer materializer) {
    this.path = path;
    this.settings = settings;
    this.codec = codec;
    this.handler = handler;
    this.materializer = materializer;
  }

  /**
   * Binds at {@code path}, whose directory must already be prepared (see {@link SocketDirectory}) and where no
   * socket file may exist, and serves each admitted connection with the flow {@code handler} gives for it.
   * Java cannot set the umask, so the socket is bound under a hidden name ({@link #bindPathFor}) inside the
   * 0700 directory, made 0600, and only then hard-linked to its public name: the public path never exists with
   * wider permissions, and nobody but the owner can reach the hidden name during the moment it has them. Shared
   * with a group, the directory is 0750 and the socket gets the group and 0660 before the link: during that moment
   * only the group's members, who are allowed anyway, can reach the hidden name.
   *
   * @throws IllegalArgumentException when the hidden name would not fit in sun_path
   *     ({@link SocketPaths#checkEngineLength}); binding the public name directly would open a chmod window
   */
  public static UnixSocketServer bind(ClassicActorSystemProvider system, Path path, TransportSettings settings,
      KryoCodec codec, Function<IncomingConnection, Flow<ByteString, ByteString, ?>> handler,
      Materializer materializer) throws IOException {
    SocketPaths.checkEngineLength(path);
    Path hidden = bindPathFor(path);
    UnixSocketServer server = new UnixSocketServer(path, settings, codec, handler, materializer);
    try {
      server.binding = server.run(UnixDomainSocket.get(system).bind(hidden, socketSettings(settings)), hidden);
    } catch (IOException e) {
      Files.deleteIfExists(hidden);
      throw e;
    }
    try {
      // Group first, then mode: the inode is never open to a group other than the configured one.
      settings.access.apply(hidden, settings.access.socketMode());
      Files.createLink(path, hidden);
    } catch (IOException | RuntimeException e) {
      server.close();
      Files.deleteIfExists(hidden);
      throw e;
    }
    return server;
  }

  /**
   * Serves the listening socket a service manager passed down ({@link InheritedSocket}), already checked to be
   * at {@code socket.path()} with the right owner and mode, under the same policy as {@link #bind}. Nothing is
   * created or removed: the socket file stays the service manager's.
   */
  public static UnixSocketServer serveInherited(ClassicActorSystemProvider system, InheritedSocket socket,
      TransportSettings settings, KryoCodec codec,
      Function<IncomingConnection, Flow<ByteString, ByteString, ?>> handler, Materializer materializer)
      throws IOException {
    UnixSocketServer server = new UnixSocketServer(socket.path(), settings, codec, handler, materializer);
    server.binding = server.run(UnixDomainSocket.get(system)
        .bindInherited(socket.channel(), socket.path(), socketSettings(settings)), socket.path());
    return server;
  }

  private static SocketSettings socketSettings(TransportSettings settings) {
    return new SocketSettings(settings.backlog, settings.writeBatchSize, settings.acceptBackoff);
  }

  /** Runs the listener, admitting each connection; returns once it listens. */
  private ServerBinding run(Source<IncomingConnection, CompletionStage<ServerBinding>> listener, Path at)
      throws IOException {
    Pair<CompletionStage<ServerBinding>, CompletionStage<Done>> running = listener
        .toMat(Sink.foreach(this::admit), Keep.both())
        .withAttributes(ActorAttributes.dispatcher(SelectorLoops.DISPATCHER))
        .run(materializer);
    try {
      return running.first().toCompletableFuture().get(BIND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new IOException("binding " + at + " did not complete: " + e, e);
    }
  }

  /** The hidden name the socket is bound under before it is linked to {@code socket}. */
  public static Path bindPathFor(Path socket) {
    return SocketPaths.bindPathFor(socket);
  }

  public Path path() {
    return path;
  }

  /** Connections open right now. */
  public int openConnections() {
    return open.size();
  }

  /** Runs on the selector thread that accepted the connection; never blocks. */
  private void admit(IncomingConnection connection) {
    long id = connection.id();
    PeerCredentials peer = connection.peer();
    if (!authorized(peer)) {
      log.warn("conn-{}: rejected uid {} (gid {}, pid {}): not this engine's user (uid {}) nor allowed by "
          + "omg.security.allowed-uids/allowed-gids; answered UNAUTHORIZED and closed", id, peer.uid(), peer.gid(),
          peer.pid(), ownUid);
      refuse(connection, Response.error(0, Status.UNAUTHORIZED, "uid " + peer.uid()
          + " may not use this engine; it serves uid " + ownUid + " and the uids and gids in omg.security"));
      return;
    }
    if (open.size() >= settings.maxConnections) {
      log.warn("conn-{}: turned away {}: {} connections open, the limit (omg.transport.max-connections)", id,
          peer, open.size());
      refuse(connection, new Response(0, Status.OVERLOADED, null, "the engine has " + open.size()
          + " connections open, its limit; retry later", settings.connectionRetryAfter.toMillis()));
      return;
    }
    String name = "conn-" + id + " (pid " + peer.pid() + ")";
    log.debug("{} accepted from {}", name, peer);
    Flow<ByteString, ByteString, ?> flow = handler.apply(connection);
    Pair<CompletionStage<Done>, UniqueKillSwitch> running = connection.flow()
        .viaMat(KillSwitches.single(), Keep.both())
        .joinMat(flow, Keep.left())
        .withAttributes(ActorAttributes.dispatcher(SelectorLoops.DISPATCHER))
        .run(materializer);
    open.put(connection, running.second());
    running.first().whenComplete((done, failure) -> {
      open.remove(connection);
      log.debug("{} closed", name);
    });
  }

  private boolean authorized(PeerCredentials peer) {
    // SO_PEERCRED carries only the primary gid; a supplementary member (usermod -aG) is found in /proc.
    return peer.uid() == ownUid || settings.allowedUids.contains(peer.uid())
        || settings.allowedGids.contains(peer.gid()) || settings.access.isMember(peer.gid(), peer.pid());
  }

  /** One frame saying why, then the connection ends (see {@link IncomingConnection#refuse}). */
  private void refuse(IncomingConnection connection, Response why) {
    boolean mayLinger = lingering.incrementAndGet() <= MAX_LINGERING;
    connection.refuse(ByteString.fromArrayUnsafe(codec.encodeFrame(why)), mayLinger ? REFUSE_LINGER : Duration.ZERO)
        .whenComplete((done, failure) -> lingering.decrementAndGet());
  }

  /** Stops accepting. Open connections stay up; see {@link #finishConnections()}. */
  @Override
  public void close() {
    if (binding != null) {
      binding.unbind();
    }
  }

  /** Stops reading on every open connection; completes when each has written its last reply and closed. */
  public CompletableFuture<Void> finishConnections() {
    CompletableFuture<?>[] closing = open.entrySet().stream()
        .peek(entry -> entry.getValue().shutdown())
        .map(entry -> entry.getKey().whenClosed().toCompletableFuture())
        .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(closing);
  }

  /** Closes every open connection now, answered or not. */
  public void closeConnections() {
    open.keySet().forEach(IncomingConnection::close);
  }
}
