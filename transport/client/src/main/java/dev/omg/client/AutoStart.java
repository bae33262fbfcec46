package dev.omg.client;

import dev.omg.client.internal.LogTail;
import dev.omg.transport.SocketAccess;
import dev.omg.transport.SocketDirectory;
import dev.omg.transport.SocketPaths;
import java.io.File;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Connects to the engine at a socket, starting one first when nothing listens there: the client side of
 * {@code --auto-start} and {@code omg.client.auto-start}.
 *
 * <p>Any number of clients (processes or threads) may do this at once and one engine results: a client that
 * finds no engine takes an exclusive lock on {@code <socket>.start.lock}, looks again, and only then starts one;
 * the others wait for the lock and then find the engine running. Readiness is the engine answering a hello,
 * retried until the start timeout, never a fixed sleep. A stale socket file is left to the engine, which removes
 * it once it holds its own lock; a client never deletes anything.
 */
public final class AutoStart {
  private static final long POLL_MILLIS = 50;
  private static final Path[] SETSID = {Path.of("/usr/bin/setsid"), Path.of("/bin/setsid")};
  private static final ConcurrentHashMap<Path, ReentrantLock> STARTING = new ConcurrentHashMap<>();

  private AutoStart() {}

  /**
   * What to run, where its output goes, and the group the engine shares its socket with (omg.security.allowed-gids),
   * whose directory the client then prepares the same way.
   */
  public record Launch(List<String> command, Path log, OptionalLong sharedGroup) {
    public Launch {
      command = List.copyOf(command);
    }

    /** An engine private to its user (no omg.security.allowed-gids). */
    public Launch(List<String> command, Path log) {
      this(command, log, OptionalLong.empty());
    }

    /** What the directory is made with: the engine's user alone, or shared with the group the engine will use. */
    SocketAccess access() {
      return sharedGroup.isPresent() ? SocketAccess.sharedWith(sharedGroup.getAsLong()) : SocketAccess.ownerOnly();
    }
  }

  /**
   * Connects to the engine at {@code socket}, starting it with {@code launch} if nothing listens there.
   *
   * @param timeout how long to wait for another client's start or for our own engine to answer
   * @param progress told what happens while it takes time (the CLI prints it on a terminal)
   * @throws EngineException when an engine answers but refuses the connection; it is not started again
   * @throws IOException when the engine could not be started or did not answer in time; the message names its log
   */
  public static EngineClient connect(Path socket, ClientOptions options, Launch launch, Duration timeout,
      Consumer<String> progress) throws IOException {
    try {
      return EngineClient.connect(socket, options);
    } catch (NoEngineException notRunning) {
      // Start one below.
    }
    long started = System.nanoTime();
    long deadline = started + timeout.toNanos();
    try {
      SocketPaths.checkEngineLength(socket);
    } catch (IllegalArgumentException e) {
      throw new IOException(e.getMessage(), e);
    }
    // The same directory the engine would create and verify (0700, or 0750 shared): the start lock and log live in it.
    launch.access().checkUsable();
    SocketDirectory.prepare(socket.getParent(), launch.access());
    Path lockPath = startLockFor(socket);
    // Threads of one JVM take turns here first: the file lock is per process, and closing one thread's channel
    // could drop the lock another thread's channel holds on the same file.
    ReentrantLock local = STARTING.computeIfAbsent(lockPath, path -> new ReentrantLock());
    try {
      if (!local.tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        throw new IOException("waited " + timeout.toSeconds() + " s for another thread to start the engine at "
            + socket);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the engine", e);
    }
    try {
      return startOrJoin(socket, options, launch, timeout, progress, lockPath, started, deadline);
    } finally {
      local.unlock();
    }
  }

  private static EngineClient startOrJoin(Path socket, ClientOptions options, Launch launch, Duration timeout,
      Consumer<String> progress, Path lockPath, long started, long deadline) throws IOException {
    try (FileChannel channel = FileChannel.open(lockPath,
        Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
      FileLock lock = awaitLock(channel, socket, deadline, timeout, progress);
      try {
        // Whoever held the lock before us may have started the engine already.
        try {
          return EngineClient.connect(socket, options);
        } catch (NoEngineException notRunning) {
          // Ours to start.
        }
        progress.accept("starting an engine at " + socket + " (log: " + launch.log() + ")");
        Process process = spawn(launch);
        EngineClient client = awaitReady(socket, options, process, launch.log(), deadline, timeout);
        progress.accept(String.format("the engine answers after %.1f s", (System.nanoTime() - started) / 1e9));
        return client;
      } finally {
        lock.release();
      }
    }
  }

  /** The file concurrent starters take turns on; it stays, as deleting a lock file races with its next user. */
  public static Path startLockFor(Path socket) {
    return socket.resolveSibling(socket.getFileName() + ".start.lock");
  }

  private static FileLock awaitLock(FileChannel channel, Path socket, long deadline, Duration timeout,
      Consumer<String> progress) throws IOException {
    boolean told = false;
    while (true) {
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException heldInThisJvm) {
        lock = null;
      }
      if (lock != null) {
        return lock;
      }
      if (!told) {
        progress.accept("another client is starting the engine at " + socket + "; waiting for it");
        told = true;
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("waited " + timeout.toSeconds() + " s for another client to start the engine at "
            + socket + "; it holds " + startLockFor(socket));
      }
      pause();
    }
  }

  private static Process spawn(Launch launch) throws IOException {
    Path log = launch.log();
    Files.createDirectories(log.getParent());
    if (!Files.exists(log)) {
      try {
        Files.createFile(log, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // Appended to below like any existing log.
      }
    }
    List<String> command = new ArrayList<>();
    // A session of its own: the engine outlives this client and ignores the terminal's Ctrl-C and hangup.
    for (Path setsid : SETSID) {
      if (Files.isExecutable(setsid)) {
        command.add(setsid.toString());
        break;
      }
    }
    command.addAll(launch.command());
    // Java closes every inherited descriptor above 2 in the child, so the engine does not keep the start lock.
    return new ProcessBuilder(command)
        .redirectInput(new File("/dev/null"))
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
  }

  private static EngineClient awaitReady(Path socket, ClientOptions options, Process process, Path log,
      long deadline, Duration timeout) throws IOException {
    while (true) {
      try {
        return EngineClient.connect(socket, options);
      } catch (NoEngineException notYet) {
        // Not listening yet.
      }
      // setsid may fork and exit 0 at once; only a failure says the engine is gone.
      if (!process.isAlive() && process.exitValue() != 0) {
        try {
          return EngineClient.connect(socket, options);
        } catch (NoEngineException stillNone) {
          throw new IOException("the engine exited with status " + process.exitValue()
              + " before it answered; the end of its log " + log + ":\n" + LogTail.of(log, 10));
        }
      }
      if (System.nanoTime() > deadline) {
        throw new IOException("the engine started at " + socket + " did not answer within " + timeout.toSeconds()
            + " s (omg.client.start-timeout); it may still be starting: see its log " + log);
      }
      pause();
    }
  }

  private static void pause() throws IOException {
    try {
      Thread.sleep(POLL_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the engine", e);
    }
  }
}
