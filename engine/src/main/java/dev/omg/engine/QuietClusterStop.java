package dev.omg.engine;

import ch.qos.logback.classic.Level;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster node that stops on purpose closes its Artery connections, and Pekko's remoting streams report each one
 * as a WARN line ("Upstream failed, cause: StreamTcpException: The connection has been aborted") under the
 * logger {@value #STREAM_LOGGER}: two lines of noise at every normal stop. From the first phase of the node's own
 * coordinated shutdown on, that logger passes errors only; while the node runs it keeps its level, so a connection
 * lost to a failing peer is still reported.
 */
final class QuietClusterStop {
  static final String STREAM_LOGGER = "org.apache.pekko.stream.Materializer";

  private QuietClusterStop() {}

  static void register(ActorSystem<?> system) {
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(),
        "quiet-remoting-streams", () -> {
          Logger logger = LoggerFactory.getLogger(STREAM_LOGGER);
          // Under another SLF4J binding there is no level to set here.
          if (logger instanceof ch.qos.logback.classic.Logger logback) {
            logback.setLevel(Level.ERROR);
          }
          return CompletableFuture.completedFuture(Done.getInstance());
        });
  }
}
