package dev.omg.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.omg.client.ClientOptions;
import dev.omg.client.EngineClient;
import dev.omg.client.PendingCall;
import dev.omg.client.RetryPolicy;
import dev.omg.protocol.Envelope;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Commands served by worker nodes through Pekko Cluster, with real processes on 127.0.0.1: one engine and two
 * workers (the same jar, {@code serve --worker}), started once for the class. The tests run in order, as the
 * later ones kill and restart a worker.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterSystemTest {
  /** Every wait for the cluster to settle: a worker's start and join, or the engine noticing a change. */
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** The request timeout of the clustered commands: well above the few seconds a kill -9 takes to be seen. */
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  private static final ClientOptions NO_RETRY = ClientOptions.defaults().withRetry(RetryPolicy.none())
      .withCallTimeout(REQUEST_TIMEOUT.plusSeconds(10));
  private static final int LOAD_CLIENTS = 8;

  @TempDir
  static Path dir;
  private static Path config;
  private static int clusterPort;
  private static List<Path> workerClasspath;
  private static EngineProcess engine;
  /** Role node; killed with -9 under load, then restarted. */
  private static WorkerProcess first;
  /** Roles node and indexer (the example's reindex); survives. */
  private static WorkerProcess second;
  private static final List<WorkerProcess> workers = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Path example = exampleJar();
    workerClasspath = List.of(example, TestHandlers.classpath(dir));
    clusterPort = WorkerProcess.freePort();
    config = Files.writeString(dir.resolve("cluster.conf"), String.join("\n",
        "include file(\"" + example.getParent().getParent().resolve("pkgindex-cluster.conf") + "\")",
        "pkgindex.install-dir = \"" + dir.resolve("installed") + "\"",
        "omg.routing.request-timeout = " + REQUEST_TIMEOUT.toSeconds() + "s",
        "omg.handlers.node { class = \"dev.omg.it.handlers.NodeHandler\", cluster-role = \"node\", instances = 2,"
            + " delay = 20ms }",
        "omg.handlers.odd { class = \"dev.omg.it.handlers.NodeHandler\", cluster-role = \"odd\" }",
        "omg.handlers.slow-node { class = \"dev.omg.it.handlers.NodeHandler\", cluster-role = \"node\","
            + " delay = 1s, max-queued = 4 }",
        ""));
    // The engine has the example's jar (its local commands and payload types), not the test handlers: a
    // clustered command's class is needed on the workers only.
    engine = EngineProcess.start(dir.resolve("engine"), List.of("-Xmx256m"), List.of(example),
        "--config", config.toString(), "--cluster-port", Integer.toString(clusterPort));
    WorkerProcess a = spawnWorker("first", config, "--role", "node");
    WorkerProcess b = spawnWorker("second", config, "--role", "node", "--role", "indexer");
    first = a.awaitUp();
    second = b.awaitUp();
    awaitServedBy(Set.of(first.pid(), second.pid()));
  }

  @AfterAll
  static void stop() throws Exception {
    for (WorkerProcess worker : workers) {
      worker.close();
    }
    if (engine != null) {
      engine.close();
    }
  }

  @Test
  @Order(1)
  void requestsForAClusteredCommandAreSpreadOverBothWorkers() throws Exception {
    Map<Long, Integer> servedBy = new TreeMap<>();
    try (EngineClient client = EngineClient.connect(engine.socket(), NO_RETRY)) {
      for (int i = 0; i < 40; i++) {
        Response reply = client.call("node", "spread-" + i);
        assertEquals(Status.OK, reply.status(), reply.error());
        servedBy.merge(pidOf(reply, "spread-" + i), 1, Integer::sum);
      }
    }
    System.out.printf("cluster spread: 40 requests served by %s (pid: count)%n", servedBy);
    // Round robin over the two ready workers, whichever was next when the run started.
    assertEquals(Map.of(first.pid(), 20, second.pid(), 20), servedBy);
    try (EngineClient client = EngineClient.connect(engine.socket(), NO_RETRY)) {
      Map<?, ?> status = (Map<?, ?>) client.call("status", null).payload();
      assertEquals(Map.of("indexer", 1, "node", 2, "odd", 0), status.get("workers"), "status's ready workers");
    }
  }

  @Test
  @Order(2)
  void aClusteredCommandOverItsMaxQueuedIsAnsweredOverloadedByTheEngine() throws Exception {
    List<CompletableFuture<Response>> replies = new ArrayList<>();
    try (EngineClient client = EngineClient.connect(engine.socket(), NO_RETRY)) {
      for (int i = 0; i < 12; i++) {
        replies.add(client.send("slow-node", "queued-" + i));
      }
      CompletableFuture.allOf(replies.toArray(CompletableFuture[]::new)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
    List<String> served = new ArrayList<>();
    int overloaded = 0;
    for (int i = 0; i < replies.size(); i++) {
      Response reply = replies.get(i).get();
      if (reply.status() == Status.OK) {
        pidOf(reply, "queued-" + i);
        served.add("queued-" + i);
      } else {
        assertEquals(new Response(reply.id(), Status.OVERLOADED, null, "'slow-node' has 4 requests waiting, its"
            + " limit; retry later", 50), reply);
        overloaded++;
      }
    }
    // The first four hold the command's four slots while the workers take a second each.
    assertEquals(List.of("queued-0", "queued-1", "queued-2", "queued-3"), served);
    assertEquals(8, overloaded);
  }

  @Test
  @Order(3)
  void aCommandWithNoWorkerUpIsAnsweredUnavailableAtOnce() throws Exception {
    try (EngineClient client = EngineClient.connect(engine.socket(), NO_RETRY)) {
      long start = System.nanoTime();
      Response reply = client.call("odd", "anyone?");
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(new Response(reply.id(), Status.UNAVAILABLE, null, "no worker node with role odd is up to"
          + " serve 'odd'; start one with: serve --worker --role odd", 1_000), reply);
      assertTrue(millis < 1_000, "answered after " + millis + " ms, not at once");
    }
  }

  @Test
  @Order(4)
  void theExamplesReindexRunsOnAWorkerWithItsProgressShownByTheCli() throws Exception {
    Cli.Result result = Cli.run(List.of(exampleJar()), Map.of(), "call", "reindex", "2000",
        "--socket", engine.socket().toString(), "--config", config.toString());
    StringBuilder progress = new StringBuilder();
    for (int step = 1; step <= 10; step++) {
      progress.append("progress ").append(step).append(": ").append(step * 200).append("/2000 indexing\n");
    }
    assertEquals(new Cli.Result(0, "packages: 2000\nterms: 1025\ndigest: a196600efc0f1be9\n",
        progress.toString()), result);
  }

  @Test
  @Order(5)
  void cancellingAReindexReachesTheHandlerOnTheWorker() throws Exception {
    CountDownLatch firstEvent = new CountDownLatch(1);
    try (EngineClient client = EngineClient.connect(engine.socket(), NO_RETRY)) {
      PendingCall call = client.stream("reindex", 200_000, event -> firstEvent.countDown());
      assertTrue(firstEvent.await(WAIT.toSeconds(), TimeUnit.SECONDS), "a first progress event");
      call.cancel();
      Response reply = call.reply().get(10, TimeUnit.SECONDS);
      assertEquals(Response.error(call.id(), Status.CANCELLED, "'reindex' was cancelled by the client"), reply);
    }
    assertTrue(second.awaitLog("reindex cancelled after ", WAIT).contains(" of 200000 packages"));
  }

  @Test
  @Order(6)
  void aWorkerWhosePayloadRegistrationDiffersIsRefusedAndItsCommandAnsweredUnavailable() throws Exception {
    Path oddConfig = Files.writeString(dir.resolve("odd.conf"), String.join("\n",
        "include file(\"" + config + "\")",
        "omg.serialization.register { 150 = \"dev.omg.it.handlers.OddPayload\" }",
        ""));
    WorkerProcess odd = spawnWorker("odd", oddConfig, "--role", "odd").awaitUp();
    String theirs = fingerprint(odd);
    String ours = fingerprint(second);
    assertNotEquals(ours, theirs);
    String warning = "refused worker " + address(odd) + " for 'odd': its payload registration fingerprint is "
        + theirs + ", the engine's " + ours + "; give the engine and every worker the same"
        + " omg.serialization.register";
    engine.awaitLog(warning, WAIT);
    try (EngineClient client = EngineClient.connect(engine.socket(), NO_RETRY)) {
      Response reply = client.call("odd", "anyone?");
      assertEquals(new Response(reply.id(), Status.UNAVAILABLE, null, "no worker can serve 'odd' (role odd):"
          + " refused for a different payload registration (" + address(odd) + " has fingerprint " + theirs
          + "; the engine's is " + ours + "); give every node the same omg.serialization.register", 1_000), reply);
      // The good workers are unaffected.
      assertEquals(Status.OK, client.call("node", "still here").status());
    }
    assertEquals(0, odd.terminate(WAIT), "a worker's exit status on SIGTERM");
    String stopping = odd.log().substring(odd.log().indexOf("received SIGTERM"));
    assertFalse(stopping.contains(" WARN "), "a worker that stops on request logs no warning:\n" + stopping);
  }

  @Test
  @Order(7)
  void killNineOfAWorkerUnderLoadAnswersEveryRequestOnceAndTheSurvivorTakesOver() throws Exception {
    long survivor = second.pid();
    long victim = first.pid();
    String victimAddress = address(first);
    AtomicBoolean running = new AtomicBoolean(true);
    List<Sent> sent = new CopyOnWriteArrayList<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    List<RawConnection> connections = new ArrayList<>();
    List<Thread> clients = new ArrayList<>();
    long[] kill = new long[1];
    try {
      for (int c = 0; c < LOAD_CLIENTS; c++) {
        RawConnection connection = new RawConnection(engine.socket(), REQUEST_TIMEOUT.plusSeconds(10)).hello();
        connections.add(connection);
        int client = c;
        Thread thread = new Thread(() -> load(client, connection, running, sent, failures), "load-" + c);
        clients.add(thread);
        thread.start();
      }
      Thread.sleep(1_500);
      assertEquals(List.of(), failures);
      first.kill();
      long killedAt = System.nanoTime();
      kill[0] = killedAt;
      // Run on until the engine has answered what the victim held (the clients' requests to it wait for that)
      // and the survivor alone has served the load for 3 s; bounded by the request timeout and more.
      long deadline = killedAt + REQUEST_TIMEOUT.plus(WAIT).toNanos();
      while (System.nanoTime() < deadline && failures.isEmpty()) {
        long lastNotOk = sent.stream().filter(s -> s.status() != Status.OK).mapToLong(Sent::answeredAt)
            .max().orElse(Long.MAX_VALUE);
        if (lastNotOk != Long.MAX_VALUE && System.nanoTime() - lastNotOk > TimeUnit.SECONDS.toNanos(3)) {
          break;
        }
        Thread.sleep(100);
      }
    } finally {
      running.set(false);
      for (Thread thread : clients) {
        thread.join(REQUEST_TIMEOUT.plus(WAIT).toMillis());
      }
    }
    assertEquals(List.of(), failures);
    long killedAt = kill[0];
    // Exactly one reply each: nothing more arrives on any connection once its last request was answered.
    for (RawConnection connection : connections) {
      connection.assertNothingWithin(Duration.ofMillis(500));
      connection.close();
    }
    Pattern unavailable = Pattern.compile(Pattern.quote("the worker " + victimAddress + " serving 'node' ")
        + "(became unreachable|left the receptionist's listing \\(its node left, or became unreachable\\)|stopped)"
        + Pattern.quote(" with this request in flight; it may or may not have run, and is not resent"));
    Map<Status, Integer> byStatus = new EnumMap<>(Status.class);
    Map<Long, Integer> okBy = new TreeMap<>();
    long lastNotOk = killedAt;
    for (Sent s : sent) {
      byStatus.merge(s.status(), 1, Integer::sum);
      if (s.status() == Status.OK) {
        okBy.merge(s.pid(), 1, Integer::sum);
      } else {
        lastNotOk = Math.max(lastNotOk, s.answeredAt());
      }
    }
    long settled = lastNotOk;
    long afterSettled = sent.stream().filter(s -> s.sentAt() > settled).count();
    Map<String, Integer> reasons = new TreeMap<>();
    sent.stream().filter(s -> s.status() == Status.UNAVAILABLE)
        .forEach(s -> reasons.merge(s.error().replaceAll(".* serving 'node' (.*) with this request.*", "$1"), 1,
            Integer::sum));
    System.out.printf("cluster kill -9: %d requests from %d clients: %s (UNAVAILABLE because the worker: %s);"
        + " OK by pid %s (killed %d, survivor %d); the last non-OK reply %d ms after the kill, then %d requests,"
        + " all OK from the survivor%n", sent.size(), LOAD_CLIENTS, byStatus, reasons, okBy, victim, survivor,
        (lastNotOk - killedAt) / 1_000_000, afterSettled);
    assertTrue(Set.of(Status.OK, Status.UNAVAILABLE, Status.TIMEOUT).containsAll(byStatus.keySet()),
        "statuses " + byStatus.keySet());
    assertTrue(byStatus.getOrDefault(Status.UNAVAILABLE, 0) + byStatus.getOrDefault(Status.TIMEOUT, 0) > 0,
        "the requests in flight on the killed worker: " + byStatus);
    assertTrue(okBy.getOrDefault(victim, 0) > 0 && okBy.getOrDefault(survivor, 0) > 0, "both served: " + okBy);
    for (Sent s : sent) {
      if (s.sentAt() > killedAt && s.status() == Status.OK) {
        assertEquals(survivor, s.pid(), "a request sent after the kill was served by " + s.pid());
      }
      if (s.status() != Status.OK) {
        assertTrue(s.answeredAt() - s.sentAt() <= REQUEST_TIMEOUT.plusSeconds(2).toNanos(),
            "answered " + s.status() + " after " + (s.answeredAt() - s.sentAt()) / 1_000_000 + " ms");
      }
      if (s.status() == Status.UNAVAILABLE) {
        assertEquals(1_000, s.retryAfterMillis(), "the retry-after hint");
        assertTrue(unavailable.matcher(s.error()).matches(), s.error());
      }
    }
    assertTrue(afterSettled >= LOAD_CLIENTS * 10, "the survivor served the load after the engine saw the worker"
        + " go: " + afterSettled + " requests sent after the last non-OK reply");
  }

  @Test
  @Order(8)
  void aRestartedWorkerRejoinsAndIsUsedAgain() throws Exception {
    assertTrue(!first.isAlive(), "the killed worker is gone");
    long start = System.nanoTime();
    WorkerProcess restarted = spawnWorker("first-again", config, "--role", "node").awaitUp();
    long up = System.nanoTime();
    assertNotEquals(first.pid(), restarted.pid());
    awaitServedBy(Set.of(restarted.pid(), second.pid()));
    System.out.printf("cluster restart: the new worker logged up %d ms after its spawn and served its first"
        + " request %d ms after that%n", (up - start) / 1_000_000, (System.nanoTime() - up) / 1_000_000);
    first = restarted;
    requestsForAClusteredCommandAreSpreadOverBothWorkers();
  }

  @Test
  @Order(9)
  void aClusterBindingOffLoopbackWithoutTlsFailsTheStartWithTheFix() throws Exception {
    Path remote = Files.writeString(dir.resolve("remote.conf"), "include file(\"" + config + "\")\n"
        + "omg.cluster.hostname = \"10.0.0.5\"\n");
    String refusal = "omg-engine: configuration error: omg.cluster.hostname: '10.0.0.5' is not a loopback address,"
        + " and the cluster would run without TLS: anyone reaching the port could join it. Turn on Artery's TLS"
        + " (pekko.remote.artery.transport = tls-tcp with its ssl settings, see docs/cluster.md), or set"
        + " omg.cluster.allow-insecure-remote = on to accept that\n";
    assertEquals(new Cli.Result(1, "", refusal), Cli.run(List.of(exampleJar()), Map.of(), "serve",
        "--socket", dir.resolve("remote").resolve("engine.sock").toString(), "--config", remote.toString()));
    assertEquals(new Cli.Result(1, "", refusal), Cli.run(List.of(exampleJar()), Map.of(), "serve", "--worker",
        "--role", "indexer", "--config", remote.toString()));
  }

  @Test
  @Order(10)
  void aSecondEngineOnTheClusterPortInUseIsRefusedInOneLineAndTheFirstKeepsServing() throws Exception {
    Cli.Result second = Cli.run(List.of(exampleJar()), Map.of(), "serve", "--socket",
        dir.resolve("second").resolve("engine.sock").toString(), "--config", config.toString(), "--cluster-port",
        Integer.toString(clusterPort));
    String refusal = "omg-engine: cannot start: the cluster port 127.0.0.1:" + clusterPort + " cannot be bound ([/"
        + "127.0.0.1:" + clusterPort + "] Address already in use); another engine or worker may hold it: give this"
        + " node another port (serve --cluster-port N, or omg.cluster.port for an engine, worker-port for a worker)\n";
    assertEquals(1, second.exitCode(), second.toString());
    assertTrue(second.stderr().endsWith(refusal), second.stderr());
    assertFalse(Files.exists(dir.resolve("second").resolve("engine.sock.lock")),
        "the refused start released its lock");
    try (EngineClient client = EngineClient.connect(engine.socket(), NO_RETRY)) {
      assertEquals(Status.OK, client.call("node", "still here").status());
    }
  }

  /** One load client: one request at a time on its own connection, for as long as {@code running}. */
  private static void load(int client, RawConnection connection, AtomicBoolean running, List<Sent> sent,
      List<Throwable> failures) {
    try {
      for (long id = 1; running.get(); id++) {
        String tag = "load-" + client + "-" + id;
        long sentAt = System.nanoTime();
        connection.send(new Request(id, "node", tag));
        Envelope envelope = connection.receive().orElseThrow(() -> new AssertionError("connection closed"));
        long answeredAt = System.nanoTime();
        if (!(envelope instanceof Response reply) || reply.id() != id) {
          throw new AssertionError("request " + id + " of client " + client + " answered by " + envelope);
        }
        long pid = reply.status() == Status.OK ? pidOf(reply, tag) : 0;
        sent.add(new Sent(sentAt, answeredAt, reply.status(), pid, reply.retryAfterMillis(), reply.error()));
      }
    } catch (Throwable e) {
      failures.add(e);
    }
  }

  /** One request of the load and its one reply. */
  private record Sent(long sentAt, long answeredAt, Status status, long pid, long retryAfterMillis,
      String error) {}

  /** The pid in a {@code node} reply ("PID TAG"), checking that the reply is the one to {@code tag}. */
  private static long pidOf(Response reply, String tag) {
    String text = (String) reply.payload();
    if (!text.endsWith(" " + tag)) {
      throw new AssertionError("the reply to " + tag + " was " + text);
    }
    return Long.parseLong(text.substring(0, text.indexOf(' ')));
  }

  /** Sends {@code node} requests until each of {@code pids} has served one; UNAVAILABLE meanwhile is expected. */
  private static void awaitServedBy(Set<Long> pids) throws Exception {
    Map<Long, Integer> seen = new HashMap<>();
    long deadline = System.nanoTime() + WAIT.toNanos();
    try (EngineClient client = EngineClient.connect(engine.socket(), NO_RETRY)) {
      for (int i = 0; System.nanoTime() < deadline; i++) {
        Response reply = client.call("node", "join-" + i);
        if (reply.status() == Status.OK) {
          seen.merge(pidOf(reply, "join-" + i), 1, Integer::sum);
          if (seen.keySet().containsAll(pids)) {
            return;
          }
        }
        Thread.sleep(50);
      }
    }
    throw new AssertionError("within " + WAIT.toSeconds() + " s, 'node' was served by " + seen + ", not by all of "
        + pids + "\nengine log:\n" + engine.log());
  }

  private static WorkerProcess spawnWorker(String name, Path workerConfig, String... roles) throws Exception {
    List<String> args = new ArrayList<>(List.of(roles));
    args.addAll(List.of("--seed", "127.0.0.1:" + clusterPort, "--config", workerConfig.toString()));
    WorkerProcess worker = WorkerProcess.spawn(dir.resolve(name + ".log"), List.of("-Xmx192m"), workerClasspath,
        args.toArray(String[]::new));
    workers.add(worker);
    return worker;
  }

  /** it/example-app/target/pkgindex.jar, from {@code -Domg.example.dir} (set by it/pom.xml). */
  private static Path exampleJar() {
    Path jar = Path.of(System.getProperty("omg.example.dir", "example-app")).toAbsolutePath().normalize()
        .resolve("target").resolve("pkgindex.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("example jar not found at " + jar + "; build it with: mvn -B package");
    }
    return jar;
  }

  /** The worker's cluster address, from the line it logs once up. */
  private static String address(WorkerProcess worker) {
    return fromLog(worker, " up at (\\S+) ");
  }

  /** The worker's payload registration fingerprint, from the line it logs after its up line. */
  private static String fingerprint(WorkerProcess worker) throws InterruptedException {
    worker.awaitLog("payload registration fingerprint ", WAIT);
    return fromLog(worker, "payload registration fingerprint ([0-9a-f]+):");
  }

  private static String fromLog(WorkerProcess worker, String regex) {
    Matcher matcher = Pattern.compile(regex).matcher(worker.log());
    if (!matcher.find()) {
      throw new AssertionError("no '" + regex + "' in the worker's log:\n" + worker.log());
    }
    return matcher.group(1);
  }
}
