package dev.omg.client.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/** INTERNAL API. The end of an engine's log, for auto-start's and doctor's messages. */
public final class LogTail {
  /** Only the end of a long-lived engine's log is read. */
  private static final long TAIL_BYTES = 64 * 1024;

  private LogTail() {}

  /** The last {@code lines} lines of a text file, or a note why there are none. */
  public static String of(Path file, int lines) {
    // Only the end of a long-lived engine's log is read; lines are split leniently, as a log may hold anything.
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      long from = Math.max(0, size - TAIL_BYTES);
      java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate((int) (size - from));
      while (buffer.hasRemaining() && channel.read(buffer, from + buffer.position()) >= 0) {
        // Reads until the buffer is full or the file ends.
      }
      List<String> all = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).lines().toList();
      if (from > 0 && !all.isEmpty()) {
        all = all.subList(1, all.size());
      }
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e.getMessage() + ")";
    }
  }

}
