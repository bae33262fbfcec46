package dev.omg.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * INTERNAL API. The kernel's table of file locks (/proc/locks on Linux), read without opening the locked file:
 * a process that opens and closes a file it holds a POSIX lock on loses that lock, and trying the lock could make
 * a starting engine fail. So both "which file do I hold?" and doctor's "is this lock held?" are asked here.
 */
final class LockTable {
  /** A granted lock: id, type, advisory, access, pid, major:minor:inode. Waiters are marked "->" and skipped. */
  private static final Pattern GRANTED = Pattern.compile(
      "^\\d+:\\s+(?!->)\\S+\\s+\\S+\\s+\\S+\\s+(-?\\d+)\\s+([0-9a-f]+):([0-9a-f]+):(\\d+)\\s");
  private static final Path PROC_LOCKS = Path.of("/proc/locks");

  private LockTable() {}

  /**
   * The pid holding a lock on the file now at {@code file}, or empty when none does.
   *
   * @throws java.nio.file.NoSuchFileException when nothing is at {@code file}
   * @throws IOException when the table cannot be read (no /proc)
   */
  static OptionalLong holder(Path file) throws IOException {
    long inode = ((Number) Files.getAttribute(file, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue();
    long dev = ((Number) Files.getAttribute(file, "unix:dev", LinkOption.NOFOLLOW_LINKS)).longValue();
    // glibc's major()/minor() of st_dev; /proc/locks prints them in hex.
    long major = ((dev >>> 8) & 0xfff) | ((dev >>> 32) & ~0xfffL);
    long minor = (dev & 0xff) | ((dev >>> 12) & ~0xffL);
    for (String line : Files.readAllLines(PROC_LOCKS, StandardCharsets.US_ASCII)) {
      Matcher m = GRANTED.matcher(line);
      if (m.find() && Long.parseLong(m.group(4)) == inode && Long.parseLong(m.group(2), 16) == major
          && Long.parseLong(m.group(3), 16) == minor) {
        return OptionalLong.of(Long.parseLong(m.group(1)));
      }
    }
    return OptionalLong.empty();
  }
}
