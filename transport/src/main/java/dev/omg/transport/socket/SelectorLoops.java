package dev.omg.transport.socket;

import com.typesafe.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.dispatch.DispatcherPrerequisites;
import org.apache.pekko.dispatch.ExecutorServiceConfigurator;
import org.apache.pekko.dispatch.ExecutorServiceFactory;

/**
 * INTERNAL API. The fixed set of selector threads of one actor system ({@code omg.transport.selector-threads}),
 * shared by every listening socket and connection of that system and by the Pekko dispatcher
 * {@value #DISPATCHER}. Created on first use, stopped when the actor system terminates.
 */
public final class SelectorLoops {
  /** The dispatcher whose threads are the selector loops: connection streams, the router, non-blocking handlers. */
  public static final String DISPATCHER = "omg.transport.selector-dispatcher";

  /** One group per actor system; Pekko builds the dispatcher's executor from its settings, not the system. */
  private static final Map<ActorSystem.Settings, SelectorLoops> GROUPS = new ConcurrentHashMap<>();

  private final List<SelectorLoop> loops;
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicBoolean stopsWithSystem = new AtomicBoolean();

  private SelectorLoops(Config config) {
    int threads = config.getInt("omg.transport.selector-threads");
    int readBuffer = (int) Math.min(config.getBytes("omg.transport.read-buffer-size"), 1 << 20);
    SelectorLoop[] loops = new SelectorLoop[threads];
    try {
      for (int i = 0; i < threads; i++) {
        loops[i] = new SelectorLoop("omg-selector-" + i, readBuffer);
      }
    } catch (IOException e) {
      for (SelectorLoop loop : loops) {
        if (loop != null) {
          loop.close();
        }
      }
      throw new UncheckedIOException("cannot open a selector", e);
    }
    this.loops = List.of(loops);
  }

  /** The loops of {@code system}, started on first use and stopped when it terminates. */
  public static SelectorLoops get(ClassicActorSystemProvider provider) {
    ActorSystem system = provider.classicSystem();
    SelectorLoops group = forSettings(system.settings());
    // The dispatcher may have created the group first; whoever gets here first ties it to the system's end.
    if (group.stopsWithSystem.compareAndSet(false, true)) {
      system.registerOnTermination(() -> {
        GROUPS.remove(system.settings());
        group.loops.forEach(SelectorLoop::close);
      });
    }
    return group;
  }

  private static SelectorLoops forSettings(ActorSystem.Settings settings) {
    return GROUPS.computeIfAbsent(settings, s -> new SelectorLoops(s.config()));
  }

  /** The loop for a new channel: the caller's own when it is one, else the next in turn. */
  public SelectorLoop next() {
    for (SelectorLoop loop : loops) {
      if (loop.inLoop()) {
        return loop;
      }
    }
    return loops.get(Math.floorMod(next.getAndIncrement(), loops.size()));
  }

  /**
   * The executor of {@value #DISPATCHER}: tasks run on the caller's loop when it is one (no hand-off), else on
   * the next loop in turn. Its shutdown is a no-op: Pekko shuts a dispatcher's executor down when no actor has
   * used it for a while, but the loops also carry the sockets; they stop with the actor system.
   */
  public static final class Configurator extends ExecutorServiceConfigurator {
    private final ActorSystem.Settings settings;

    public Configurator(Config config, DispatcherPrerequisites prerequisites) {
      super(config, prerequisites);
      this.settings = prerequisites.settings();
    }

    @Override
    public ExecutorServiceFactory createExecutorServiceFactory(String id, ThreadFactory threadFactory) {
      return () -> new LoopExecutor(forSettings(settings));
    }
  }

  private static final class LoopExecutor extends AbstractExecutorService {
    private final SelectorLoops group;

    LoopExecutor(SelectorLoops group) {
      this.group = group;
    }

    @Override
    public void execute(Runnable task) {
      group.next().execute(task);
    }

    @Override
    public void shutdown() {}

    @Override
    public List<Runnable> shutdownNow() {
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return false;
    }
  }
}
