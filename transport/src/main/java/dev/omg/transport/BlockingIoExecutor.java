package dev.omg.transport;

import com.typesafe.config.Config;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutorServiceConfigurator;
import org.apache.pekko.dispatch.ExecutorServiceFactory;

/**
 * INTERNAL API. The executor behind {@code omg.transport.io-dispatcher}: a thread for every socket read or write
 * blocked at the same moment, reused once free, retired after {@code keep-alive-time} idle. A fixed pool would
 * either cap the number of connections that can wait for input (too small) or start a thread per task until it
 * is full (ThreadPoolExecutor's core-size rule); a hand-off queue gives exactly one thread per blocked
 * operation.
 */
public final class BlockingIoExecutor extends ExecutorServiceConfigurator {
  private final int maxThreads;
  private final long keepAliveMillis;

  public BlockingIoExecutor(Config config, DispatcherPrerequisites prerequisites) {
    super(config, prerequisites);
    Config own = config.getConfig("blocking-io-executor");
    this.maxThreads = own.getInt("max-threads");
    this.keepAliveMillis = own.getDuration("keep-alive-time").toMillis();
  }

  @Override
  public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory threadFactory) {
    return () -> new ThreadPoolExecutor(0, maxThreads, keepAliveMillis, TimeUnit.MILLISECONDS,
        new SynchronousQueue<>(), threadFactory);
  }
}
