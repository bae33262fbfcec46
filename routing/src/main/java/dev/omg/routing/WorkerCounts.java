package dev.omg.routing;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * INTERNAL API. The worker nodes ready to serve each clustered command, as the engine's cluster actors last saw
 * them, folded per cluster role for {@code status}. Thread-safe: written by those actors, read by {@code status}.
 */
public final class WorkerCounts {
  private record Command(String role, Set<String> workers) {}

  private final Map<String, Command> commands = new ConcurrentHashMap<>();

  /** {@code command}, served by cluster role {@code role}, has these worker nodes (addresses) ready now. */
  public void ready(String command, String role, Set<String> workers) {
    commands.put(command, new Command(role, Set.copyOf(workers)));
  }

  /** Per cluster role, in name order: the worker nodes ready for at least one of its commands. */
  public Map<String, Integer> byRole() {
    Map<String, Set<String>> nodes = new TreeMap<>();
    commands.values().forEach(c -> nodes.computeIfAbsent(c.role(), role -> new HashSet<>()).addAll(c.workers()));
    Map<String, Integer> counts = new TreeMap<>();
    nodes.forEach((role, workers) -> counts.put(role, workers.size()));
    return counts;
  }
}
