package dev.omg.transport;

import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.javadsl.Source;
import org.newsclub.net.unix.AFUNIXServerSocket;
import org.newsclub.net.unix.AFUNIXSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketCredentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INTERNAL API. A listening junixsocket server whose accepted connections come out of a Pekko Source, like
 * {@code Tcp.bind}. The socket file is 0600 before its final name exists, and every connection's peer credentials
 * are checked before it is emitted: others get one UNAUTHORIZED frame and are closed.
 */
public final class UnixSocketServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(UnixSocketServer.class);

  private final Path path;
  private final AFUNIXServerSocket serverSocket;
  private final TransportSettings settings;
  private final KryoCodec codec;
  private final long ownUid = SocketPaths.currentUid();
  /** How long a rejected connection stays half-open so the peer's hello lands and it can read the answer. */
  private static final Duration REJECT_LINGER = Duration.ofSeconds(2);
  /** Rejected connections lingering at most at once. */
  private static final int MAX_LINGERING = 64;

  private final AtomicLong ids = new AtomicLong();
  private final AtomicInteger lingering = new AtomicInteger();
  private final Set<IncomingConnection> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private UnixSocketServer(Path path, AFUNIXServerSocket serverSocket, TransportSettings settings, KryoCodec codec) {
    this.path = path;
    this.serverSocket = serverSocket;
    this.settings = settings;
    this.codec = codec;
  }

  /**
   * Binds at {@code path}, whose directory must already be prepared (see {@link SocketDirectory}) and where no
   * socket file may exist. Java cannot set the umask, so the socket is bound under a hidden name
   * ({@link #bindPathFor}) inside the 0700 directory, made 0600, and only then hard-linked to its public name:
   * the public path never exists with wider permissions, and nobody but the owner can reach the hidden name
   * during the moment it has them. The hidden name stays while the engine runs because junixsocket checks on
   * every accept that the bound path still holds the listening socket.
   *
   * @throws IllegalArgumentException when the hidden name would not fit in sun_path
   *     ({@link SocketPaths#checkEngineLength}); binding the public name directly would open a chmod window
   */
  public static UnixSocketServer bind(Path path, TransportSettings settings, KryoCodec codec) throws IOException {
    SocketPaths.checkEngineLength(path);
    Path hidden = bindPathFor(path);
    AFUNIXServerSocket server = AFUNIXServerSocket.newInstance();
    try {
      // The engine removes its paths after it drained; junixsocket must not do it when the listener closes.
      server.setDeleteOnClose(false);
      server.bind(AFUNIXSocketAddress.of(hidden), 128);
      Files.setPosixFilePermissions(hidden, PosixFilePermissions.fromString("rw-------"));
      Files.createLink(path, hidden);
    } catch (IOException | RuntimeException e) {
      server.close();
      Files.deleteIfExists(hidden);
      throw e;
    }
    return new UnixSocketServer(path, server, settings, codec);
  }

  /** The hidden name the socket is bound under before it is linked to {@code socket}. */
  public static Path bindPathFor(Path socket) {
    return socket.resolveSibling("." + socket.getFileName() + ".bind");
  }

  public Path path() {
    return path;
  }

  /** Connections open right now. */
  public int openConnections() {
    return open.size();
  }

  /** Accepted connections, one at a time as downstream demands them; completes when the server is closed. */
  public Source<IncomingConnection, NotUsed> connections() {
    return Source.unfoldResource(() -> serverSocket, this::acceptNext, server -> {})
        .withAttributes(ActorAttributes.dispatcher(TransportSettings.IO_DISPATCHER));
  }

  private Optional<IncomingConnection> acceptNext(AFUNIXServerSocket server) throws IOException {
    while (true) {
      AFUNIXSocket socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        if (closed) {
          return Optional.empty();
        }
        throw e;
      }
      long id = ids.incrementAndGet();
      PeerCredentials peer;
      try {
        peer = credentials(socket);
      } catch (IOException | RuntimeException e) {
        // Without credentials nobody is served; one odd peer must not end the accept loop for everyone.
        log.warn("conn-{}: rejected: cannot read its peer credentials ({})", id, e.toString());
        closeQuietly(socket);
        continue;
      }
      if (!authorized(peer)) {
        reject(socket, peer, id);
        continue;
      }
      if (open.size() >= settings.maxConnections) {
        log.warn("conn-{}: turned away {}: {} connections open, the limit (omg.transport.max-connections)", id,
            peer, open.size());
        sendAndClose(socket, id, new Response(0, Status.OVERLOADED, null, "the engine has " + open.size()
            + " connections open, its limit; retry later", settings.connectionRetryAfter.toMillis()));
        continue;
      }
      IncomingConnection[] self = new IncomingConnection[1];
      self[0] = new IncomingConnection(id, socket, peer, settings, () -> {
        open.remove(self[0]);
        log.debug("conn-{} closed", id);
      });
      open.add(self[0]);
      log.debug("conn-{} accepted from {}", id, peer);
      return Optional.of(self[0]);
    }
  }

  private static PeerCredentials credentials(AFUNIXSocket socket) throws IOException {
    AFUNIXSocketCredentials credentials = socket.getPeerCredentials();
    return new PeerCredentials(credentials.getUid(), credentials.getGid(), credentials.getPid());
  }

  private boolean authorized(PeerCredentials peer) {
    return peer.uid() == ownUid || settings.allowedUids.contains(peer.uid())
        || settings.allowedGids.contains(peer.gid());
  }

  private void reject(AFUNIXSocket socket, PeerCredentials peer, long id) {
    log.warn("conn-{}: rejected uid {} (gid {}, pid {}): not this engine's user (uid {}) nor allowed by "
        + "omg.security.allowed-uids/allowed-gids; answered UNAUTHORIZED and closed", id, peer.uid(), peer.gid(),
        peer.pid(), ownUid);
    sendAndClose(socket, id, Response.error(0, Status.UNAUTHORIZED, "uid " + peer.uid()
        + " may not use this engine; it serves uid " + ownUid + " and the uids and gids in omg.security"));
  }

  /**
   * Tells a connection that is not served why, in one frame, and ends it. Only our side's output is shut at once:
   * the peer reads the answer and then end of stream, and its hello (sent without waiting) still lands. Closing at
   * once would make that write fail with a broken pipe, after which the peer (junixsocket, at least) can no
   * longer read why. The socket itself is closed {@link #REJECT_LINGER} later, off the accept thread; at most
   * {@link #MAX_LINGERING} wait like this, so a flood of refused peers cannot pile up open sockets.
   */
  private void sendAndClose(AFUNIXSocket socket, long id, Response why) {
    try {
      OutputStream out = socket.getOutputStream();
      out.write(codec.encodeFrame(why));
      out.flush();
      socket.shutdownOutput();
    } catch (IOException e) {
      log.debug("conn-{}: could not tell the peer it is not served: {}", id, e.getMessage());
    }
    if (lingering.incrementAndGet() > MAX_LINGERING) {
      lingering.decrementAndGet();
      closeQuietly(socket);
      return;
    }
    CompletableFuture.delayedExecutor(REJECT_LINGER.toMillis(), TimeUnit.MILLISECONDS).execute(() -> {
      closeQuietly(socket);
      lingering.decrementAndGet();
    });
  }

  private static void closeQuietly(AFUNIXSocket socket) {
    try {
      socket.close();
    } catch (IOException ignored) {
      // The peer is gone either way.
    }
  }

  /** Stops accepting. Open connections stay up; see {@link #closeConnections()}. */
  @Override
  public void close() throws IOException {
    closed = true;
    serverSocket.close();
  }

  /** Stops reading on every open connection; completes when each has written its last reply and closed. */
  public CompletableFuture<Void> finishConnections() {
    CompletableFuture<?>[] closing = open.stream()
        .peek(IncomingConnection::finish)
        .map(connection -> connection.whenClosed().toCompletableFuture())
        .toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(closing);
  }

  /** Closes every open connection now, answered or not. */
  public void closeConnections() {
    open.forEach(IncomingConnection::close);
  }
}
