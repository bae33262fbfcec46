package dev.omg.transport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.newsclub.net.unix.AFUNIXServerSocketChannel;
import org.newsclub.net.unix.FileDescriptorCast;

/**
 * INTERNAL API. A listening socket handed down by a service manager, systemd's socket activation protocol
 * (sd_listen_fds(3)): {@code LISTEN_PID} is this process, {@code LISTEN_FDS} descriptors start at fd 3, and
 * {@code LISTEN_FDNAMES} names them, colon-separated. The engine takes the descriptor named {@value #FD_NAME},
 * else the one bound at its configured socket path, and serves it only after checking, from /proc and the socket
 * file, that it is what the engine would have bound itself: a listening Unix stream socket at the configured
 * path, owned by the engine's uid, mode 0600, or exactly 0660 with the shared group when
 * {@code omg.security.allowed-gids} names one ({@link SocketAccess}).
 *
 * <p>sd_listen_fds unsets the variables so children do not inherit them; Java cannot change its own environment.
 * It does not need to: the engine starts no processes, a child would see a {@code LISTEN_PID} that is not its own
 * and ignore the variables, and Java closes every descriptor above 2 in the processes it starts.
 */
public final class InheritedSocket {
  /** The name the engine looks for in LISTEN_FDNAMES; the socket unit's FileDescriptorName=. */
  public static final String FD_NAME = "omg-engine";
  /** SD_LISTEN_FDS_START: the first passed descriptor. */
  static final int FIRST_FD = 3;
  /** The file-type bits of st_mode and the value for a socket; the permission bits. */
  private static final int TYPE_MASK = 0170000;
  private static final int TYPE_SOCKET = 0140000;
  private static final int PERMISSIONS = 07777;
  /** __SO_ACCEPTCON in /proc/net/unix's Flags column: the socket listens. */
  private static final int ACCEPTING = 0x10000;
  private static final int SOCK_STREAM = 1;
  private static final int SOCK_DGRAM = 2;
  private static final int SOCK_SEQPACKET = 5;
  private static final Pattern SOCKET_LINK = Pattern.compile("socket:\\[(\\d+)]");

  private final int fd;
  private final String name;
  private final Path path;
  private final AFUNIXServerSocketChannel channel;

  private InheritedSocket(int fd, String name, Path path, AFUNIXServerSocketChannel channel) {
    this.fd = fd;
    this.name = name;
    this.path = path;
    this.channel = channel;
  }

  /** One descriptor the service manager passed, with its LISTEN_FDNAMES name ("unknown" when none was given). */
  public record Passed(int fd, String name) {}

  /**
   * The descriptors passed to process {@code pid}, read from {@code env}: empty when there are none for it (no
   * LISTEN_PID, a LISTEN_PID of another process, no or zero LISTEN_FDS); the engine then binds its socket itself.
   *
   * @throws RefusedException when the variables are meant for this process but malformed
   */
  public static Optional<List<Passed>> passedTo(long pid, Map<String, String> env) throws RefusedException {
    String listenPid = env.get("LISTEN_PID");
    if (listenPid == null || !listenPid.trim().equals(Long.toString(pid))) {
      return Optional.empty();
    }
    String listenFds = env.getOrDefault("LISTEN_FDS", "");
    int count;
    try {
      count = Integer.parseInt(listenFds.trim());
    } catch (NumberFormatException e) {
      throw new RefusedException("socket activation: LISTEN_FDS is '" + listenFds + "', not a number of "
          + "descriptors");
    }
    if (count <= 0) {
      return Optional.empty();
    }
    String[] names = env.getOrDefault("LISTEN_FDNAMES", "").split(":", -1);
    List<Passed> passed = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String name = i < names.length && !names[i].isEmpty() ? names[i] : "unknown";
      passed.add(new Passed(FIRST_FD + i, name));
    }
    return Optional.of(passed);
  }

  /**
   * Takes the passed descriptor meant for the engine at {@code socket}, after checking it; the file at
   * {@code socket} stays the service manager's.
   *
   * @param access the mode and group the socket must have: those the engine gives a socket it binds itself
   * @throws RefusedException naming what is wrong and how to set the socket unit up instead
   */
  public static InheritedSocket take(List<Passed> passed, Path socket, SocketAccess access) throws IOException {
    Passed chosen = null;
    for (Passed candidate : passed) {
      if (candidate.name().equals(FD_NAME)) {
        chosen = candidate;
        break;
      }
    }
    if (chosen == null) {
      for (Passed candidate : passed) {
        Optional<UnixEntry> entry = unixEntry(candidate.fd());
        if (entry.isPresent() && entry.get().path().equals(socket.toString())) {
          chosen = candidate;
          break;
        }
      }
    }
    if (chosen == null) {
      throw new RefusedException("socket activation: none of the " + passed.size() + " inherited descriptors "
          + "(fd " + passed.get(0).fd() + (passed.size() > 1 ? " to " + passed.get(passed.size() - 1).fd() : "")
          + ") is named "
          + FD_NAME + " (FileDescriptorName=) or bound at the configured socket path " + socket);
    }
    String which = "inherited fd " + chosen.fd() + " (" + chosen.name() + ")";
    UnixEntry entry = check(which, chosen.fd(), socket);
    checkFile(socket, access);
    AFUNIXServerSocketChannel channel =
        FileDescriptorCast.unsafeUsing(chosen.fd()).as(AFUNIXServerSocketChannel.class);
    return new InheritedSocket(chosen.fd(), chosen.name(), Path.of(entry.path()), channel);
  }

  /** A listening Unix stream socket bound at {@code socket}, as /proc/net/unix describes the descriptor. */
  private static UnixEntry check(String which, int fd, Path socket) throws IOException {
    String target = link(fd).orElseThrow(() -> new RefusedException("socket activation: " + which
        + " is not open; LISTEN_FDS counts more descriptors than were passed"));
    Matcher isSocket = SOCKET_LINK.matcher(target);
    if (!isSocket.matches()) {
      throw new RefusedException("socket activation: " + which + " is not a socket but " + describe(target)
          + "; the service manager must pass a listening Unix stream socket (ListenStream= in the .socket unit)");
    }
    UnixEntry entry = unixEntry(Long.parseLong(isSocket.group(1))).orElseThrow(() -> new RefusedException(
        "socket activation: " + which + " is a socket, but not a Unix domain socket; the engine listens on a "
            + "Unix stream socket only (ListenStream=PATH)"));
    if (entry.type() != SOCK_STREAM) {
      throw new RefusedException("socket activation: " + which + " is a Unix " + typeName(entry.type())
          + " socket, not a stream socket; use ListenStream= in the .socket unit");
    }
    if ((entry.flags() & ACCEPTING) == 0) {
      throw new RefusedException("socket activation: " + which + " is a Unix stream socket that does not listen; "
          + "pass the listening socket (Accept=no in the .socket unit)");
    }
    if (!entry.path().equals(socket.toString())) {
      String bound = entry.path().isEmpty() ? "is not bound to a path" : "is bound at " + entry.path();
      throw new RefusedException("socket activation: " + which + " " + bound + ", not at the configured socket "
          + "path " + socket + "; make ListenStream= and the engine's socket path (--socket, OMG_SOCKET or "
          + "omg.transport.socket-path) the same");
    }
    return entry;
  }

  /** The file at the socket path: a socket of this uid, 0600, or 0660 with the shared group when there is one. */
  private static void checkFile(Path socket, SocketAccess access) throws IOException {
    int mode;
    long uid;
    long gid;
    try {
      mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      uid = ((Number) Files.getAttribute(socket, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
      gid = ((Number) Files.getAttribute(socket, "unix:gid", LinkOption.NOFOLLOW_LINKS)).longValue();
    } catch (NoSuchFileException gone) {
      throw new RefusedException("socket activation: the inherited socket's file " + socket + " does not exist "
          + "(removed after it was bound); restart the socket unit to bind it again");
    }
    if ((mode & TYPE_MASK) != TYPE_SOCKET) {
      throw new RefusedException("socket activation: " + socket + " is not a socket file (mode "
          + String.format("%06o", mode) + "); restart the socket unit to bind it again");
    }
    long me = SocketPaths.currentUid();
    if (uid != me) {
      throw new RefusedException("socket activation: the socket " + socket + " is owned by uid " + uid
          + ", not by this engine's user (uid " + me + "); run the socket unit as the engine's user (a systemd "
          + "user unit)");
    }
    int permissions = mode & PERMISSIONS;
    if (access.group().isEmpty()) {
      if (permissions != 0600) {
        throw new RefusedException("socket activation: the socket " + socket + " has mode "
            + String.format("%04o", permissions) + "; an inherited socket must be 0600 (SocketMode=0600)");
      }
      return;
    }
    // Exactly what the engine makes for a shared group: 0600 would silently keep the group out, wider lets others in.
    long shared = access.group().getAsLong();
    if (permissions != 0660 || gid != shared) {
      throw new RefusedException("socket activation: the socket " + socket + " has mode "
          + String.format("%04o", permissions) + " and group " + SocketAccess.describeGroup(gid) + "; with "
          + "omg.security.allowed-gids = [" + shared + "] an inherited socket must be 0660 with group "
          + SocketAccess.describeGroup(shared) + " (SocketMode=0660, SocketGroup="
          + SocketAccess.groupName(shared).orElse(Long.toString(shared)) + ")");
    }
  }

  /** What a descriptor's /proc/self/fd link says it is, when it is not a socket. */
  private static String describe(String target) {
    if (target.startsWith("pipe:")) {
      return "a pipe";
    }
    if (target.startsWith("anon_inode:")) {
      return "an anonymous inode (" + target.substring("anon_inode:".length()) + ")";
    }
    if (target.startsWith("/")) {
      return "the file " + target;
    }
    return target;
  }

  private static String typeName(int type) {
    return switch (type) {
      case SOCK_DGRAM -> "datagram";
      case SOCK_SEQPACKET -> "seqpacket";
      default -> "type-" + type;
    };
  }

  /** The target of /proc/self/fd/N, e.g. {@code socket:[123]}; empty when the descriptor is not open. */
  private static Optional<String> link(int fd) throws IOException {
    try {
      return Optional.of(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString());
    } catch (NoSuchFileException closed) {
      return Optional.empty();
    }
  }

  /** The Unix socket behind descriptor {@code fd}, if it is one. */
  private static Optional<UnixEntry> unixEntry(int fd) throws IOException {
    Optional<String> target = link(fd);
    if (target.isEmpty()) {
      return Optional.empty();
    }
    Matcher isSocket = SOCKET_LINK.matcher(target.get());
    return isSocket.matches() ? unixEntry(Long.parseLong(isSocket.group(1))) : Optional.empty();
  }

  /**
   * The line of /proc/net/unix for the socket with inode {@code inode}: {@code Num RefCount Protocol Flags Type St
   * Inode Path}, numbers in hex but the inode; the path is empty for an unbound socket.
   */
  private static Optional<UnixEntry> unixEntry(long inode) throws IOException {
    List<String> lines = Files.readAllLines(Path.of("/proc/net/unix"), StandardCharsets.UTF_8);
    for (String line : lines.subList(1, lines.size())) {
      String[] fields = line.trim().split("\\s+", 8);
      if (fields.length >= 7 && Long.parseLong(fields[6]) == inode) {
        return Optional.of(new UnixEntry(Integer.parseInt(fields[3], 16), Integer.parseInt(fields[4], 16),
            fields.length == 8 ? fields[7] : ""));
      }
    }
    return Optional.empty();
  }

  private record UnixEntry(int flags, int type, String path) {}

  public int fd() {
    return fd;
  }

  /** Its LISTEN_FDNAMES name, "unknown" when none was given. */
  public String name() {
    return name;
  }

  public Path path() {
    return path;
  }

  /** The listening channel on the inherited descriptor; still blocking, as passed. */
  public AFUNIXServerSocketChannel channel() {
    return channel;
  }

  /** The passed socket is not one the engine may serve: the message says what it is and what to change. */
  public static final class RefusedException extends IOException {
    public RefusedException(String message) {
      super(message);
    }
  }
}
