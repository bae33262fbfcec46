package dev.omg.it.bench;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.internal.logging.InternalLoggerFactory;
import io.netty.util.internal.logging.JdkLoggerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The mainstream alternative: a unary gRPC echo over a Unix domain socket with Netty's native epoll transport, in
 * this JVM on event loops of its own. No protobuf: the method carries raw bytes, so the numbers are gRPC's and
 * HTTP/2's cost, not a serializer's.
 */
final class GrpcTarget implements EchoTarget {
  static final MethodDescriptor<byte[], byte[]> ECHO = MethodDescriptor.<byte[], byte[]>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName("bench.Echo/Echo")
      .setRequestMarshaller(BytesMarshaller.INSTANCE)
      .setResponseMarshaller(BytesMarshaller.INSTANCE)
      .build();

  /** gRPC sets SO_KEEPALIVE on every connection, which a Unix socket lacks, and Netty would warn each time. */
  private static final Logger BOOTSTRAP_LOG = Logger.getLogger("io.netty.bootstrap");

  private final Server server;
  private final DomainSocketAddress address;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final EventLoopGroup clientLoops;

  private GrpcTarget(Server server, DomainSocketAddress address, EventLoopGroup boss, EventLoopGroup workers,
      EventLoopGroup clientLoops) {
    this.server = server;
    this.address = address;
    this.boss = boss;
    this.workers = workers;
    this.clientLoops = clientLoops;
  }

  static GrpcTarget start(Path directory) throws IOException {
    // Netty would otherwise probe SLF4J, find no provider on this classpath, and say so on stderr.
    InternalLoggerFactory.setDefaultFactory(JdkLoggerFactory.INSTANCE);
    BOOTSTRAP_LOG.setLevel(Level.SEVERE);
    // Fails here, with the reason (e.g. no native library for this platform), rather than at the first call.
    Epoll.ensureAvailability();
    Path socket = directory.resolve("grpc").resolve("grpc.sock");
    Files.createDirectories(socket.getParent());
    DomainSocketAddress address = new DomainSocketAddress(socket.toString());
    // Client and server share this machine's cores here: half the event loops each, as a tuned deployment would.
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    EventLoopGroup boss = loops(1, "grpc-boss");
    EventLoopGroup workers = loops(threads, "grpc-server");
    EventLoopGroup clientLoops = loops(threads, "grpc-client");
    ServerServiceDefinition service = ServerServiceDefinition.builder("bench.Echo")
        .addMethod(ECHO, ServerCalls.asyncUnaryCall((byte[] request, StreamObserver<byte[]> reply) -> {
          reply.onNext(request);
          reply.onCompleted();
        }))
        .build();
    Server server = NettyServerBuilder.forAddress(address)
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers)
        // The echo runs on the event loop that read the request: no hand-off to an executor, the fairest latency.
        .directExecutor()
        .addService(service)
        .build()
        .start();
    return new GrpcTarget(server, address, boss, workers, clientLoops);
  }

  /** Netty 4.2's spelling of the now deprecated {@code EpollEventLoopGroup}. */
  private static EventLoopGroup loops(int threads, String name) {
    return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), EpollIoHandler.newFactory());
  }

  @Override
  public String name() {
    return "grpc";
  }

  /** One channel is one connection (one HTTP/2 session). */
  private ManagedChannel newChannel() {
    return NettyChannelBuilder.forAddress(address)
        .channelType(EpollDomainSocketChannel.class, DomainSocketAddress.class)
        .eventLoopGroup(clientLoops)
        .usePlaintext()
        // Replies complete on the event loop that read them, as the engine client's reader thread does.
        .directExecutor()
        .build();
  }

  @Override
  public BlockingEcho openBlocking() {
    ManagedChannel channel = newChannel();
    return new BlockingEcho() {
      @Override
      public int call(byte[] payload) {
        return ClientCalls.blockingUnaryCall(channel, ECHO, CallOptions.DEFAULT, payload).length;
      }

      @Override
      public void close() {
        shutdown(channel);
      }
    };
  }

  @Override
  public PipelinedEcho openPipelined() {
    ManagedChannel channel = newChannel();
    return new PipelinedEcho() {
      @Override
      public void send(byte[] payload, Completion done) {
        ClientCalls.asyncUnaryCall(channel.newCall(ECHO, CallOptions.DEFAULT), payload, new StreamObserver<>() {
          private int echoedLength = -1;

          @Override
          public void onNext(byte[] echoed) {
            echoedLength = echoed.length;
          }

          @Override
          public void onError(Throwable failure) {
            done.complete(0, failure);
          }

          @Override
          public void onCompleted() {
            done.complete(echoedLength, null);
          }
        });
      }

      @Override
      public void close() {
        shutdown(channel);
      }
    };
  }

  @Override
  public void close() {
    try {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      for (EventLoopGroup group : List.of(clientLoops, workers, boss)) {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void shutdown(ManagedChannel channel) {
    try {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Bytes as they are: gRPC frames them, nothing encodes them. */
  private enum BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      // gRPC reads a ByteArrayInputStream's length up front and copies it in one go.
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
