package dev.omg.transport.socket;

import java.nio.file.Path;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;

/** A bound listening socket, as Pekko's {@code Tcp.ServerBinding}: unbind stops accepting; open connections stay. */
public interface ServerBinding {
  /** Where the socket was bound. */
  Path path();

  /** Closes the listening socket; the source of incoming connections completes. Idempotent. */
  CompletionStage<Done> unbind();

  /** Completes once the listening socket is closed. */
  CompletionStage<Done> whenUnbound();
}
