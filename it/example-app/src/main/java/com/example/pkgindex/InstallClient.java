package com.example.pkgindex;

import dev.omg.client.ClientOptions;
import dev.omg.client.EngineClient;
import dev.omg.client.PendingCall;
import dev.omg.protocol.Response;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -cp omg-engine.jar:pkgindex.jar com.example.pkgindex.InstallClient SOCKET NAME}: installs NAME through
 * the engine at SOCKET with the Java client library, printing each progress event; Ctrl-C cancels the install.
 */
public final class InstallClient {
  private InstallClient() {}

  public static void main(String[] args) throws Exception {
    // The same ids as omg.serialization.register in pkgindex.conf: both sides must agree.
    ClientOptions options = ClientOptions.defaults().withUserTypes(Map.of(
        100, InstallRequest.class, 101, InstallResult.class, 102, PackageInfo.class));
    try (EngineClient client = EngineClient.connect(Path.of(args[0]), options)) {
      PendingCall install = client.stream("install", new InstallRequest(args[1]),
          progress -> System.out.println("progress " + progress.seq() + ": " + progress.payload()));
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        if (!install.reply().isDone()) {
          try {
            install.cancel(); // the reply becomes CANCELLED; the handler stops between two chunks
            System.out.println(install.reply().get(5, TimeUnit.SECONDS).status());
          } catch (Exception e) {
            System.out.println("could not cancel: " + e);
          }
        }
      }));
      Response reply = install.reply().get(5, TimeUnit.MINUTES);
      System.out.println(reply.isOk() ? reply.payload() : reply.status() + ": " + reply.error());
    }
  }
}
