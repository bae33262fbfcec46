package dev.omg.transport;

import java.io.IOException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * INTERNAL API. The engine's two names for its socket, the public one and the hidden bind name
 * ({@link SocketPaths#bindPathFor}), and the rule for removing them: only a file the engine can prove is a
 * stale socket of its own is ever deleted. That is a socket (not a regular file, directory, symlink or FIFO),
 * owned by this process's uid, on which nobody listens (a connect is refused), removed while the caller holds
 * the engine's lock. Anything else is someone's data or someone's live service, and refuses the start with a
 * message naming what is there and how to clear it.
 */
public final class SocketFiles {
  /** The file-type bits of st_mode, and the value they have for a socket (S_IFMT, S_IFSOCK). */
  private static final int TYPE_MASK = 0170000;
  private static final int TYPE_SOCKET = 0140000;
  private static final int TYPE_DIRECTORY = 0040000;
  private static final int TYPE_REGULAR = 0100000;
  private static final int TYPE_FIFO = 0010000;

  private SocketFiles() {}

  /**
   * Removes what an engine that did not stop cleanly left at {@code socket} and its bind name; for the lock
   * holder only. Every file there is checked before any is removed, so a refusal changes nothing.
   *
   * @return whether a stale socket was removed
   * @throws ForeignFileException when something there is not a stale socket of this uid
   */
  public static boolean removeStale(Path socket) throws IOException {
    List<Path> stale = new ArrayList<>();
    for (Path path : List.of(socket, SocketPaths.bindPathFor(socket))) {
      Optional<SocketDirectory.Problem> foreign = whyNotStale(path, socket);
      if (foreign.isPresent()) {
        throw new ForeignFileException(foreign.get().reason() + "; refusing to start on " + socket + "; fix: "
            + foreign.get().fix());
      }
      if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
        stale.add(path);
      }
    }
    for (Path path : stale) {
      Files.deleteIfExists(path);
    }
    return !stale.isEmpty();
  }

  /**
   * Removes the socket's public and hidden names at a clean stop, each only if it is still a socket of this uid
   * (the engine bound it; in the 0700 directory nobody else can have swapped it).
   *
   * @return the paths left in place because something else stands there
   */
  public static List<Path> remove(Path socket) throws IOException {
    List<Path> kept = new ArrayList<>();
    for (Path path : List.of(SocketPaths.bindPathFor(socket), socket)) {
      Optional<Attributes> attributes = attributes(path);
      if (attributes.isEmpty()) {
        continue;
      }
      if (attributes.get().isSocket() && attributes.get().uid() == SocketPaths.currentUid()) {
        Files.deleteIfExists(path);
      } else {
        kept.add(path);
      }
    }
    return kept;
  }

  /**
   * Why the file at {@code path} (the socket {@code socket} or its bind name) may not be removed as a stale socket
   * of ours, and what the user can do; empty when nothing is there or it is one.
   */
  public static Optional<SocketDirectory.Problem> whyNotStale(Path path, Path socket) throws IOException {
    Optional<Attributes> found = attributes(path);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    Attributes attributes = found.get();
    String elsewhere = "or choose another socket path (--socket, OMG_SOCKET or omg.transport.socket-path) than "
        + socket;
    if (Files.isSymbolicLink(path)) {
      return Optional.of(new SocketDirectory.Problem(path + " is a symbolic link to "
          + Files.readSymbolicLink(path) + ", not a socket", "remove the link (rm " + path + "; its target is "
          + "left alone), " + elsewhere));
    }
    if (!attributes.isSocket()) {
      String remove = (attributes.isDirectory() ? "rm -r " : "rm ") + path;
      return Optional.of(new SocketDirectory.Problem(path + " is " + attributes.typeName() + ", not a socket",
          "move it away or, if it is not needed, remove it (" + remove + "), " + elsewhere));
    }
    long me = SocketPaths.currentUid();
    if (attributes.uid() != me) {
      return Optional.of(new SocketDirectory.Problem(path + " is a socket owned by uid " + attributes.uid()
          + ", not by this user (uid " + me + ")", "have uid " + attributes.uid() + " stop its service and remove "
          + path + ", " + elsewhere));
    }
    if (listening(path)) {
      return Optional.of(new SocketDirectory.Problem(path + " is a live socket: another process listens on it "
          + "(not an engine of this socket: none holds its lock)", "stop that process (ss -xlp | grep " + path
          + " names it), " + elsewhere));
    }
    return Optional.empty();
  }

  /** Whether the file at {@code path} itself (a symlink is not followed) is a socket; false when nothing is there. */
  public static boolean isSocket(Path path) throws IOException {
    return attributes(path).map(Attributes::isSocket).orElse(false);
  }

  /**
   * Whether someone listens on the socket at {@code path}: a connect is accepted, or finds the listener's backlog
   * full. Non-blocking, so a busy or stopped listener cannot hold the engine's start.
   */
  private static boolean listening(Path path) throws IOException {
    try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      probe.configureBlocking(false);
      probe.connect(UnixDomainSocketAddress.of(path));
      // Connected, or pending because the backlog is full: either way a process listens.
      return true;
    } catch (SocketException refused) {
      // ECONNREFUSED: a socket file with no listener, which is what a killed engine leaves.
      return false;
    }
  }

  /** The type and owner of the file at {@code path} itself (a symlink is not followed), if one is there. */
  private static Optional<Attributes> attributes(Path path) throws IOException {
    try {
      int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      long uid = ((Number) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
      return Optional.of(new Attributes(mode, uid));
    } catch (NoSuchFileException absent) {
      return Optional.empty();
    }
  }

  /** What lstat says of a file: its st_mode and st_uid. */
  private record Attributes(int mode, long uid) {
    boolean isDirectory() {
      return (mode & TYPE_MASK) == TYPE_DIRECTORY;
    }

    boolean isSocket() {
      return (mode & TYPE_MASK) == TYPE_SOCKET;
    }

    String typeName() {
      return switch (mode & TYPE_MASK) {
        case TYPE_REGULAR -> "a regular file";
        case TYPE_DIRECTORY -> "a directory";
        case TYPE_FIFO -> "a named pipe (FIFO)";
        case TYPE_SOCKET -> "a socket";
        default -> String.format("a special file (mode %06o)", mode);
      };
    }
  }

  /** Something at the socket path or its bind name is not a stale socket of this engine's user. */
  public static final class ForeignFileException extends IOException {
    public ForeignFileException(String message) {
      super(message);
    }
  }
}
