package dev.omg.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * INTERNAL API. The exclusive lock that makes one engine own one socket. The kernel drops the lock when the
 * process dies, however it dies, so whoever holds it may remove a socket file left by a crash.
 */
final class LockFile implements AutoCloseable {
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
    FileChannel channel = FileChannel.open(path, java.util.Set.of(StandardOpenOption.CREATE,
        StandardOpenOption.READ, StandardOpenOption.WRITE),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
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
    channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
    channel.force(false);
    return new LockFile(path, channel, lock);
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

  /** Another engine holds the lock. */
  static final class AlreadyRunningException extends IOException {
    AlreadyRunningException(String message) {
      super(message);
    }
  }
}
