package dev.omg.engine;

import dev.omg.transport.SocketPaths;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * INTERNAL API. The exclusive lock that makes one engine own one socket. The kernel drops the lock when the
 * process dies, however it dies, so whoever holds it may remove a socket file left by a crash.
 */
final class LockFile implements AutoCloseable {
  /** Tries to take a lock file that its stopping holder keeps removing; more than a couple is a fight. */
  private static final int MAX_ATTEMPTS = 5;
  private final Path path;
  private final FileChannel channel;
  private final FileLock lock;

  private LockFile(Path path, FileChannel channel, FileLock lock) {
    this.path = path;
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock and writes this process's pid into it; {@code socket} is named in the refusal. */
  static LockFile acquire(Path path, Path socket) throws IOException {
    return acquire(path, socket, LockFile::open);
  }

  /** How the lock file is opened; a test puts a stopping holder's removal between the open and the lock. */
  interface Opener {
    FileChannel open(Path path) throws IOException;
  }

  /**
   * Opens (or creates) the lock file itself, never what a symlink at its path points to: the lock is truncated
   * and written, and that must not reach another file. An existing lock file must be a regular file of this uid.
   */
  static FileChannel open(Path path) throws IOException {
    checkIsOurs(path);
    FileChannel channel;
    try {
      channel = FileChannel.open(path, Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
          StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (FileSystemException e) {
      // O_NOFOLLOW met a symlink put there after the check above: ELOOP.
      checkIsOurs(path);
      throw e;
    }
    try {
      checkIsOurs(path);
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    return channel;
  }

  /** Refuses a lock path that holds anything but a regular file owned by this uid; nothing there is fine. */
  private static void checkIsOurs(Path path) throws IOException {
    int mode;
    long uid;
    try {
      mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      uid = ((Number) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
    } catch (NoSuchFileException absent) {
      return;
    }
    String refusal = "; refusing to start (nothing was written to it); fix: ";
    if (Files.isSymbolicLink(path)) {
      throw new UnsafeLockFileException(path + " is a symbolic link to " + Files.readSymbolicLink(path)
          + ", not the engine's lock file" + refusal + "remove the link (rm " + path + "; its target is left "
          + "alone), or choose another socket path");
    }
    if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
      throw new UnsafeLockFileException(path + " is not a regular file (mode " + String.format("%06o", mode)
          + "), so not the engine's lock file" + refusal + "move it away, or choose another socket path");
    }
    long me = SocketPaths.currentUid();
    if (uid != me) {
      throw new UnsafeLockFileException(path + " is owned by uid " + uid + ", not by this user (uid " + me + ")"
          + refusal + "have uid " + uid + " remove it, or choose another socket path");
    }
  }

  static LockFile acquire(Path path, Path socket, Opener opener) throws IOException {
    byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
    // Never open the lock file a second time while holding it: closing any descriptor of it drops the lock.
    for (int attempt = 1; ; attempt++) {
      FileChannel channel = opener.open(path);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        Optional<Long> owner = readPid(channel);
        channel.close();
        throw new AlreadyRunningException("already running (pid " + owner.map(String::valueOf).orElse("unknown")
            + ") on " + socket);
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(pid), 0);
      channel.force(false);
      // A holder that stops removes the file before it releases the lock; if we opened the file before that,
      // we now hold a lock on a file no longer at this path.
      if (namesTheFileWeLocked(path)) {
        return new LockFile(path, channel, lock);
      }
      channel.close();
      if (attempt == MAX_ATTEMPTS) {
        throw new IOException("could not take the lock " + path + " after " + MAX_ATTEMPTS
            + " attempts: it was replaced each time");
      }
    }
  }

  /**
   * Whether the file now at {@code path} is one this process holds the lock on. Asked of the kernel's lock
   * table: opening the path to look would release our lock (POSIX locks go with any close of the file).
   */
  private static boolean namesTheFileWeLocked(Path path) {
    try {
      OptionalLong holder = LockTable.holder(path);
      return holder.isPresent() && holder.getAsLong() == ProcessHandle.current().pid();
    } catch (NoSuchFileException removed) {
      return false;
    } catch (IOException noLockTable) {
      // Without /proc the race cannot be seen; it needs a stop and a start within microseconds of each other.
      return true;
    }
  }

  private static Optional<Long> readPid(FileChannel channel) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(32);
    channel.read(buffer, 0);
    String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII).trim();
    try {
      return Optional.of(Long.parseLong(text));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Removes the file, then releases the lock, so a waiting engine never sees a half-released one. */
  @Override
  public void close() throws IOException {
    Files.deleteIfExists(path);
    lock.release();
    channel.close();
  }

  /** Something other than this user's lock file stands at the lock's path. */
  static final class UnsafeLockFileException extends IOException {
    UnsafeLockFileException(String message) {
      super(message);
    }
  }

  /** Another engine holds the lock. */
  static final class AlreadyRunningException extends IOException {
    AlreadyRunningException(String message) {
      super(message);
    }
  }
}
