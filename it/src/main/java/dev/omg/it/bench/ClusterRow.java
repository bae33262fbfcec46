package dev.omg.it.bench;

import dev.omg.client.ClientOptions;
import dev.omg.client.EngineClient;
import dev.omg.client.RetryPolicy;
import dev.omg.it.EngineProcess;
import dev.omg.it.WorkerProcess;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The cluster rows (issue 15): an engine whose {@code cluster-echo} (the built-in echo handler) and
 * {@code reindex} (the example application's CPU-bound command) are served by worker nodes, all processes on
 * this machine over 127.0.0.1. Measures the round trip of {@code cluster-echo} (on the first worker) against the
 * engine's local {@code echo} in the same run, then the throughput of {@code reindex} with two workers, and again
 * after the second has left. Every reply is checked.
 */
final class ClusterRow {
  /** The packages one {@code reindex} request indexes: 7 to 10 ms of CPU on a warm JVM. */
  static final int REINDEX_PACKAGES = 2_000;
  /** Clients each keeping one {@code reindex} request in flight: enough to keep two workers busy. */
  static final int REINDEX_CLIENTS = 4;
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ClientOptions NO_RETRY = ClientOptions.defaults().withRetry(RetryPolicy.none())
      .withCallTimeout(Duration.ofSeconds(70));

  /** Round trips in µs; reindex rates in requests/s, each with the cores its workers kept busy meanwhile. */
  record Result(Workloads.Latency local, Workloads.Latency clustered, Rate oneWorker, Rate twoWorkers) {}

  /**
   * Replies per second, and the workers' CPU time over the same interval divided by its length: how many cores
   * they used (at most one per worker here, as each runs one reindex at a time).
   */
  record Rate(double perSecond, double workerCores) {}

  private final Path directory;
  private final Consumer<String> progress;

  ClusterRow(Path directory, Consumer<String> progress) {
    this.directory = directory;
    this.progress = progress;
  }

  Result measure(Workloads workloads, Options options) throws Exception {
    Path example = exampleDir();
    Path jar = example.resolve("target").resolve("pkgindex.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IOException("example jar not found at " + jar + "; build it with: mvn -B package -DskipTests");
    }
    Files.createDirectories(directory);
    int port = WorkerProcess.freePort();
    Path config = Files.writeString(directory.resolve("cluster.conf"), String.join("\n",
        "include file(\"" + example.resolve("pkgindex-cluster.conf") + "\")",
        "pkgindex.install-dir = \"" + directory.resolve("installed") + "\"",
        "omg.handlers.cluster-echo { class = \"dev.omg.handler.internal.builtin.EchoHandler\","
            + " cluster-role = \"echo\" }",
        ""));
    List<String> seed = List.of("--seed", "127.0.0.1:" + port, "--config", config.toString());
    List<WorkerProcess> workers = new ArrayList<>();
    progress.accept("starting the engine (cluster port " + port + ") and two workers…");
    try (EngineProcess engine = EngineProcess.start(directory.resolve("engine"), List.of("-Xmx512m"), List.of(jar),
        "--config", config.toString(), "--cluster-port", Integer.toString(port))) {
      WorkerProcess first = worker("worker-1", jar, seed, "--role", "echo", "--role", "indexer");
      workers.add(first);
      WorkerProcess second = worker("worker-2", jar, seed, "--role", "indexer");
      workers.add(second);
      awaitServing(engine, "cluster-echo", new byte[Bench.PAYLOAD]);
      awaitWorkers(engine, "reindex", 2);
      Workloads.Latency local = workloads.sequential(new CommandTarget(engine.socket(), "echo", "local echo"),
          Bench.PAYLOAD, options.sequentialWarmUps(), options.sequentialWarmUpLimit(), options.sequentialCount());
      Workloads.Latency clustered = workloads.sequential(new CommandTarget(engine.socket(), "cluster-echo",
          "clustered echo"), Bench.PAYLOAD, options.sequentialWarmUps(), options.sequentialWarmUpLimit(),
          options.sequentialCount());
      progress.accept(String.format("clustered/local echo p50: %.2f", clustered.p50() / local.p50()));
      String digest = digestOf(engine);
      // Two workers first, so that both warm up alike; then the second leaves and the first, as warm, is alone.
      Rate two = reindexRate(engine, digest, "2 workers", options, workers);
      progress.accept("stopping the second worker (SIGTERM: it leaves the cluster)…");
      int exit = second.terminate(WAIT);
      if (exit != 0) {
        throw new IOException("the second worker exited " + exit + " on SIGTERM:\n" + second.log());
      }
      workers.remove(second);
      awaitWorkers(engine, "reindex", 1);
      Rate one = reindexRate(engine, digest, "1 worker", options, workers);
      progress.accept(String.format("reindex 2 workers / 1 worker: %.2f", two.perSecond() / one.perSecond()));
      return new Result(local, clustered, one, two);
    } finally {
      for (WorkerProcess worker : workers) {
        worker.close();
      }
    }
  }

  private WorkerProcess worker(String name, Path jar, List<String> seed, String... roles) throws Exception {
    List<String> args = new ArrayList<>(List.of(roles));
    args.addAll(seed);
    return WorkerProcess.start(directory.resolve(name + ".log"), List.of("-Xmx512m"), List.of(jar),
        args.toArray(String[]::new));
  }

  /** Calls {@code command} until it answers OK: the worker has joined and the engine has seen its handlers. */
  private static void awaitServing(EngineProcess engine, String command, Object payload) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Response last = null;
    try (EngineClient client = EngineClient.connect(engine.socket(), NO_RETRY)) {
      while (System.nanoTime() < deadline) {
        last = client.call(command, payload);
        if (last.isOk()) {
          return;
        }
        Thread.sleep(100);
      }
    }
    throw new TimeoutException("'" + command + "' not served within " + WAIT.toSeconds() + " s; last: " + last);
  }

  /**
   * Waits until the engine's latest line about {@code command}'s workers says {@code count} are ready: the
   * requests that follow are spread over exactly those.
   */
  private static void awaitWorkers(EngineProcess engine, String command, int count) throws Exception {
    Pattern ready = Pattern.compile("'" + Pattern.quote(command) + "'.*; (\\d+) worker\\(s\\) ready");
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher matcher = ready.matcher(engine.log());
      String latest = null;
      while (matcher.find()) {
        latest = matcher.group(1);
      }
      if (Integer.toString(count).equals(latest)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new TimeoutException("the engine did not log " + count + " workers ready for '" + command + "' within "
        + WAIT.toSeconds() + " s:\n" + engine.log());
  }

  /** The digest every {@code reindex} reply must carry, from one request. */
  private static String digestOf(EngineProcess engine) throws Exception {
    try (EngineClient client = EngineClient.connect(engine.socket(), NO_RETRY)) {
      return (String) ((Map<?, ?>) checked(client.call("reindex", REINDEX_PACKAGES)).payload()).get("digest");
    }
  }

  /**
   * {@link #REINDEX_CLIENTS} connections, each one {@code reindex} at a time, for the pipelined warm-up and then
   * the measured time; replies per second over the measured time. Each reply must be OK with the packages and
   * digest of the first.
   */
  private Rate reindexRate(EngineProcess engine, String digest, String label, Options options,
      List<WorkerProcess> workers) throws Exception {
    LongAdder completed = new LongAdder();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicReference<Exception> failure = new AtomicReference<>();
    List<Thread> clients = new ArrayList<>();
    List<EngineClient> connections = new ArrayList<>();
    try {
      for (int c = 0; c < REINDEX_CLIENTS; c++) {
        EngineClient client = EngineClient.connect(engine.socket(), NO_RETRY);
        connections.add(client);
        Thread thread = new Thread(() -> {
          try {
            while (running.get()) {
              Map<?, ?> result = (Map<?, ?>) checked(client.call("reindex", REINDEX_PACKAGES)).payload();
              if (!digest.equals(result.get("digest"))
                  || !Integer.valueOf(REINDEX_PACKAGES).equals(result.get("packages"))) {
                throw new IOException("reindex answered " + result + ", expected digest " + digest);
              }
              completed.increment();
            }
          } catch (Exception e) {
            failure.compareAndSet(null, e);
          }
        }, "bench-reindex-" + c);
        thread.setDaemon(true);
        clients.add(thread);
      }
      progress.accept("reindex " + REINDEX_PACKAGES + " packages, " + label + ": warm-up "
          + options.pipelinedWarmUp().toMillis() / 1000.0 + " s (" + REINDEX_CLIENTS + " clients)…");
      clients.forEach(Thread::start);
      sleep(options.pipelinedWarmUp(), failure);
      progress.accept("reindex, " + label + ": measuring " + options.pipelinedMeasure().toMillis() / 1000.0
          + " s…");
      long startCount = completed.sum();
      long startCpu = cpuNanos(workers);
      long start = System.nanoTime();
      sleep(options.pipelinedMeasure(), failure);
      long elapsed = System.nanoTime() - start;
      double perSecond = (completed.sum() - startCount) * 1e9 / elapsed;
      double cores = (double) (cpuNanos(workers) - startCpu) / elapsed;
      running.set(false);
      for (Thread thread : clients) {
        thread.join(WAIT.toMillis());
      }
      if (failure.get() != null) {
        throw failure.get();
      }
      progress.accept(String.format("reindex, %s: %,.1f requests/s, workers' CPU %.2f cores", label, perSecond,
          cores));
      return new Rate(perSecond, cores);
    } finally {
      running.set(false);
      for (EngineClient client : connections) {
        client.close();
      }
    }
  }

  private static long cpuNanos(List<WorkerProcess> workers) {
    return workers.stream().mapToLong(worker -> worker.cpuTime().toNanos()).sum();
  }

  private static void sleep(Duration duration, AtomicReference<Exception> failure) throws Exception {
    long end = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() < end && failure.get() == null) {
      Thread.sleep(Math.max(1, Math.min(100, (end - System.nanoTime()) / 1_000_000)));
    }
    if (failure.get() != null) {
      throw failure.get();
    }
  }

  private static Response checked(Response reply) throws IOException {
    if (reply.status() != Status.OK) {
      throw new IOException("answered " + reply.status() + ": " + reply.error());
    }
    return reply;
  }

  /** it/example-app: {@code -Domg.example.dir} (the bench profile sets it), else relative to the repository. */
  static Path exampleDir() {
    String configured = System.getProperty("omg.example.dir");
    Path dir = configured != null ? Path.of(configured) : Path.of("it/example-app");
    if (!Files.isDirectory(dir)) {
      dir = Path.of("example-app");
    }
    return dir.toAbsolutePath().normalize();
  }

  /** One command of a running engine, as the echo workloads drive it (the payload must come back unchanged). */
  private record CommandTarget(Path socket, String command, String name) implements EchoTarget {
    @Override
    public BlockingEcho openBlocking() throws IOException {
      EngineClient client = EngineClient.connect(socket, NO_RETRY);
      return new BlockingEcho() {
        @Override
        public int call(byte[] payload) throws Exception {
          Response reply = checked(client.call(command, payload));
          if (!(reply.payload() instanceof byte[] echoed)) {
            throw new IOException(command + " answered a " + reply.payload());
          }
          return echoed.length;
        }

        @Override
        public void close() throws IOException {
          client.close();
        }
      };
    }

    @Override
    public PipelinedEcho openPipelined() {
      throw new UnsupportedOperationException("the cluster row measures round trips only");
    }

    @Override
    public void close() {}
  }
}
