package dev.omg.transport.socket;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketChannel;

/**
 * Unix domain sockets for Pekko Streams, shaped like Pekko's {@code Tcp}: {@link #bind} gives a Source of
 * incoming connections, each run with {@link IncomingConnection#handleWith}; {@link #outgoingConnection} gives
 * a client connection as a Flow. Built on junixsocket's selectable channels and a fixed set of selector threads
 * ({@link SelectorLoops}, {@code omg.transport.selector-threads}): a connection costs buffers, not threads.
 */
public final class UnixDomainSocket {
  private final ClassicActorSystemProvider system;

  private UnixDomainSocket(ClassicActorSystemProvider system) {
    this.system = system;
  }

  public static UnixDomainSocket get(ClassicActorSystemProvider system) {
    return new UnixDomainSocket(system);
  }

  /**
   * Listens at {@code path} when materialized (the file must not exist). The materialized binding completes once
   * the socket is bound, or fails with the bind's error; the source completes when the binding is unbound.
   */
  public Source<IncomingConnection, CompletionStage<ServerBinding>> bind(Path path, SocketSettings settings) {
    return Source.fromGraph(new ListenerStage(SelectorLoops.get(system), path, settings))
        .withAttributes(ActorAttributes.dispatcher(SelectorLoops.DISPATCHER));
  }

  /**
   * Serves {@code listening}, a socket already bound and listening at {@code path} (one a service manager passed
   * down), as {@link #bind} serves the socket it binds: made non-blocking, accepting on a selector loop. Closing
   * the binding closes this process's descriptor only; the socket file is left alone.
   */
  public Source<IncomingConnection, CompletionStage<ServerBinding>> bindInherited(
      AFUNIXServerSocketChannel listening, Path path, SocketSettings settings) {
    return Source.fromGraph(new ListenerStage(SelectorLoops.get(system), path, settings, listening))
        .withAttributes(ActorAttributes.dispatcher(SelectorLoops.DISPATCHER));
  }

  /**
   * A connection to the socket at {@code path}, made when the flow is materialized: elements pushed in are
   * written, bytes read come out. The materialized value completes when the socket is closed (or fails when
   * connecting failed).
   */
  public Flow<ByteString, ByteString, CompletionStage<Done>> outgoingConnection(Path path, SocketSettings settings) {
    return Flow.<ByteString, ByteString, CompletionStage<Done>>fromMaterializer((materializer, attributes) -> {
      UnixChannel socket;
      try {
        AFUNIXSocketChannel channel = AFUNIXSocketChannel.open(AFUNIXSocketAddress.of(path));
        channel.configureBlocking(false);
        socket = new UnixChannel(channel, SelectorLoops.get(system).next());
      } catch (IOException | RuntimeException e) {
        return Flow.fromSinkAndSourceMat(Sink.<ByteString>cancelled(), Source.<ByteString>failed(e),
            (left, right) -> CompletableFuture.<Done>failedFuture(e));
      }
      return Flow.fromGraph(new ConnectionStage(socket, settings.writeBufferSize()))
          .mapMaterializedValue(notUsed -> (CompletionStage<Done>) socket.whenClosed());
    }).mapMaterializedValue(inner -> inner.thenCompose(closed -> closed))
        .withAttributes(ActorAttributes.dispatcher(SelectorLoops.DISPATCHER));
  }
}
