package dev.omg.it.bench;

import dev.omg.client.EngineClient;
import dev.omg.it.EngineProcess;
import dev.omg.protocol.Response;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** The real engine jar as its own process, driven through the client library's {@code echo} command. */
final class EngineTarget implements EchoTarget {
  private final EngineProcess engine;

  private EngineTarget(EngineProcess engine) {
    this.engine = engine;
  }

  static EngineTarget start(Path directory) throws IOException, InterruptedException {
    return new EngineTarget(EngineProcess.start(directory.resolve("engine"), List.of("-Xmx512m")));
  }

  Path socket() {
    return engine.socket();
  }

  @Override
  public String name() {
    return "engine";
  }

  @Override
  public BlockingEcho openBlocking() throws IOException {
    EngineClient client = EngineClient.connect(engine.socket());
    return new BlockingEcho() {
      @Override
      public int call(byte[] payload) throws Exception {
        return echoedLength(client.call("echo", payload));
      }

      @Override
      public void close() throws IOException {
        client.close();
      }
    };
  }

  @Override
  public PipelinedEcho openPipelined() throws IOException {
    EngineClient client = EngineClient.connect(engine.socket());
    return new PipelinedEcho() {
      @Override
      public void send(byte[] payload, Completion done) {
        client.send("echo", payload).whenComplete((reply, failure) -> {
          if (failure != null) {
            done.complete(0, failure);
            return;
          }
          try {
            done.complete(echoedLength(reply), null);
          } catch (IOException e) {
            done.complete(0, e);
          }
        });
      }

      @Override
      public void close() throws IOException {
        client.close();
      }
    };
  }

  private static int echoedLength(Response reply) throws IOException {
    if (!reply.isOk()) {
      throw new IOException("engine answered " + reply.status() + ": " + reply.error());
    }
    if (!(reply.payload() instanceof byte[] echoed)) {
      throw new IOException("engine echoed a " + (reply.payload() == null ? "null" : reply.payload().getClass()));
    }
    return echoed.length;
  }

  @Override
  public void close() {
    try {
      engine.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
