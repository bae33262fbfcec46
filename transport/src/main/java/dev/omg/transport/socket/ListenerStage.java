package dev.omg.transport.socket;

import dev.omg.transport.PeerCredentials;
import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.AsyncCallback;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.GraphStageWithMaterializedValue;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketCredentials;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * INTERNAL API. A listening socket as a Source of {@link IncomingConnection}s, as Pekko's {@code Tcp.bind}: binds
 * when materialized (or takes a listening channel a service manager passed down, which it never closes), accepts
 * one connection per pull on its selector loop (accept interest is off while downstream does not pull), reads
 * each peer's credentials before emitting it, and completes when unbound.
 *
 * <p>An accept that fails (EMFILE and ENFILE above all: no descriptor left) never ends the source: accepting
 * pauses for {@link SocketSettings#acceptBackoff()} and resumes, open connections are untouched, and the burst is
 * logged once when it starts and once when it ends.
 */
final class ListenerStage
    extends GraphStageWithMaterializedValue<SourceShape<IncomingConnection>, CompletionStage<ServerBinding>> {
  private static final Logger log = LoggerFactory.getLogger(ListenerStage.class);
  private static final int DEMAND = 0;
  private static final int NO_DEMAND = 1;
  private static final int SUSPENDED = 2;
  private static final String RETRY_ACCEPT = "retry-accept";

  private final Outlet<IncomingConnection> out = Outlet.create("UnixListener.out");
  private final SourceShape<IncomingConnection> shape = SourceShape.of(out);
  private final SelectorLoops loops;
  private final Path path;
  private final SocketSettings settings;
  /** A listening channel to serve instead of binding one (socket activation); null to bind {@link #path}. */
  private final AFUNIXServerSocketChannel inherited;

  ListenerStage(SelectorLoops loops, Path path, SocketSettings settings) {
    this(loops, path, settings, null);
  }

  ListenerStage(SelectorLoops loops, Path path, SocketSettings settings, AFUNIXServerSocketChannel inherited) {
    this.loops = loops;
    this.path = path;
    this.settings = settings;
    this.inherited = inherited;
  }

  @Override
  public SourceShape<IncomingConnection> shape() {
    return shape;
  }

  @Override
  public Tuple2<GraphStageLogic, CompletionStage<ServerBinding>> createLogicAndMaterializedValue(
      Attributes inheritedAttributes) {
    CompletableFuture<ServerBinding> bound = new CompletableFuture<>();
    return new Tuple2<>(new Logic(bound), bound);
  }

  private final class Logic extends TimerGraphStageLogic implements SelectorLoop.Ready, ServerBinding {
    private final CompletableFuture<ServerBinding> bound;
    private final CompletableFuture<Done> unbound = new CompletableFuture<>();
    private final AtomicInteger demand = new AtomicInteger(SUSPENDED);
    private final SelectorLoop loop = loops.next();
    private AFUNIXServerSocketChannel server;
    private SelectionKey key;
    private long accepted;
    private AsyncCallback<IncomingConnection> onAccepted;
    private AsyncCallback<IOException> onAcceptFailure;
    private AsyncCallback<Done> onUnbound;
    /** Failures in the current burst of failed accepts, and when it began; 0 when accepting works. */
    private long failures;
    private long failingSince;
    /** Accepting waits for the retry timer. */
    private boolean paused;

    Logic(CompletableFuture<ServerBinding> bound) {
      super(shape);
      this.bound = bound;
      setHandler(out, new AbstractOutHandler() {
        @Override
        public void onPull() {
          if (demand.getAndSet(DEMAND) == SUSPENDED && !paused) {
            loop.runOrExecute(Logic.this::enableAccepts);
          }
        }

        @Override
        public void onDownstreamFinish(Throwable cause) {
          unbind();
          completeStage();
        }
      });
    }

    @Override
    public void preStart() {
      onAccepted = createAsyncCallback(this::emit);
      onAcceptFailure = createAsyncCallback(this::acceptFailed);
      onUnbound = createAsyncCallback(done -> completeStage());
      try {
        server = inherited != null ? inherited : AFUNIXServerSocketChannel.open();
        // Whoever bound the path removes it; closing the listener must not.
        server.socket().setDeleteOnClose(false);
        if (inherited == null) {
          server.bind(AFUNIXSocketAddress.of(path), settings.backlog());
        }
        server.configureBlocking(false);
      } catch (IOException | RuntimeException e) {
        closeServer();
        bound.completeExceptionally(e);
        failStage(e);
        return;
      }
      loop.runOrExecute(() -> {
        try {
          key = loop.register(server, demand.get() == DEMAND ? SelectionKey.OP_ACCEPT : 0, this);
          bound.complete(this);
        } catch (IOException | RuntimeException e) {
          bound.completeExceptionally(e);
          onAcceptFailure.invoke(e instanceof IOException io ? io : new IOException(e));
        }
      });
    }

    @Override
    public void postStop() {
      unbind();
      if (!bound.isDone()) {
        bound.completeExceptionally(new IOException("the listener at " + path + " stopped before it was bound"));
      }
    }

    private void emit(IncomingConnection connection) {
      if (failures > 0) {
        log.info("accepting connections at {} again after {} failed attempts in {} ms", path, failures,
            (System.nanoTime() - failingSince) / 1_000_000);
        failures = 0;
      }
      push(out, connection);
    }

    private void acceptFailed(IOException e) {
      if (failures++ == 0) {
        failingSince = System.nanoTime();
        log.warn("accepting connections at {} failed: {}; open connections are kept, and accepting resumes "
            + "when it works again (retrying every {} ms)", path, e.getMessage(), settings.acceptBackoff().toMillis());
      }
      paused = true;
      scheduleOnce(RETRY_ACCEPT, settings.acceptBackoff());
    }

    @Override
    public void onTimer(Object timerKey) {
      paused = false;
      if (isAvailable(out)) {
        demand.set(DEMAND);
        loop.runOrExecute(this::enableAccepts);
      }
    }

    // ---- loop thread ----

    private void enableAccepts() {
      if (key != null && key.isValid()) {
        key.interestOps(SelectionKey.OP_ACCEPT);
      }
    }

    @Override
    public void ready(SelectionKey key) {
      if (!demand.compareAndSet(DEMAND, NO_DEMAND)) {
        key.interestOps(0);
        if (!demand.compareAndSet(NO_DEMAND, SUSPENDED)) {
          key.interestOps(SelectionKey.OP_ACCEPT);
        }
        return;
      }
      AFUNIXSocketChannel channel;
      try {
        channel = server.accept();
      } catch (IOException e) {
        // Out of descriptors, most likely: the connection stays in the backlog until a retry takes it.
        key.interestOps(0);
        demand.set(SUSPENDED);
        onAcceptFailure.invoke(e);
        return;
      }
      if (channel == null) {
        demand.set(DEMAND);
        return;
      }
      long id = ++accepted;
      try {
        channel.configureBlocking(false);
        AFUNIXSocketCredentials credentials = channel.getPeerCredentials();
        PeerCredentials peer = new PeerCredentials(credentials.getUid(), credentials.getGid(),
            credentials.getPid());
        onAccepted.invoke(new IncomingConnection(id, new UnixChannel(channel, loop), peer, settings));
      } catch (IOException | RuntimeException e) {
        // Without credentials nobody is served; one odd peer must not end accepting for everyone.
        log.warn("conn-{}: closed at once: cannot read its peer credentials ({})", id, e.toString());
        try {
          channel.close();
        } catch (IOException ignored) {
          // Gone either way.
        }
        demand.set(DEMAND);
      }
    }

    private void closeServer() {
      if (key != null) {
        key.cancel();
      }
      if (server != null && inherited != null) {
        // junixsocket shuts a socket down before closing it, which would end the service manager's listening
        // socket too; this process's descriptor closes when it exits.
        log.debug("stopped accepting on the inherited socket at {}; its descriptor stays open", path);
      } else if (server != null) {
        try {
          server.close();
        } catch (IOException e) {
          log.debug("closing the listener at {}: {}", path, e.toString());
        }
      }
      unbound.complete(Done.getInstance());
    }

    // ---- ServerBinding ----

    @Override
    public Path path() {
      return path;
    }

    @Override
    public CompletionStage<Done> unbind() {
      loop.runOrExecute(() -> {
        if (!unbound.isDone()) {
          closeServer();
          onUnbound.invoke(Done.getInstance());
        }
      });
      return unbound;
    }

    @Override
    public CompletionStage<Done> whenUnbound() {
      return unbound;
    }
  }
}
