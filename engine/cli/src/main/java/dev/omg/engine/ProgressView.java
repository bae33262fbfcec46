package dev.omg.engine;

import dev.omg.protocol.Progress;
import java.io.PrintStream;
import java.util.Map;

/**
 * How {@code call} shows a request's progress events on stderr: on a terminal, one bar redrawn in place; otherwise
 * a plain line per event, for logs and scripts. An event that is a map with numbers {@code done} and
 * {@code total} (and optionally a {@code message}) is drawn as a bar; any other payload as its text.
 */
final class ProgressView {
  private static final int BAR_WIDTH = 30;

  private final PrintStream err;
  private final boolean terminal;
  private boolean drawn;

  ProgressView(PrintStream err, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
  }

  /** Called on the client's reader thread, one event at a time. */
  synchronized void show(Progress progress) {
    if (terminal) {
      err.print("\r\033[K" + line(progress.payload(), true));
      err.flush();
      drawn = true;
    } else {
      err.println("progress " + progress.seq() + ": " + line(progress.payload(), false));
    }
  }

  /** Ends the bar's line, so what follows starts on a fresh one. */
  synchronized void end() {
    if (drawn) {
      err.println();
      drawn = false;
    }
  }

  /** e.g. {@code [###############...............]  50% fetching} or, without a bar, {@code 5/10 fetching}. */
  static String line(Object payload, boolean bar) {
    if (payload instanceof Map<?, ?> map && map.get("done") instanceof Number done
        && map.get("total") instanceof Number total && total.doubleValue() > 0) {
      Object message = map.get("message");
      String text = message == null ? "" : " " + message;
      if (!bar) {
        return done.longValue() + "/" + total.longValue() + text;
      }
      double fraction = Math.max(0, Math.min(1, done.doubleValue() / total.doubleValue()));
      int filled = (int) Math.round(fraction * BAR_WIDTH);
      return "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "] "
          + String.format("%3d%%", Math.round(fraction * 100)) + text;
    }
    return Render.text(payload);
  }
}
