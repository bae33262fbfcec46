package dev.omg.client;

import dev.omg.transport.SocketAccess;
import dev.omg.transport.SocketDirectory;
import dev.omg.transport.SocketPaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

/**
 * The file modes keep this user from the socket: a directory on its path cannot be searched, or connect() got
 * EACCES. An engine may well run there; it is another user's, private or shared with a group this user is not in.
 */
public final class PermissionDeniedException extends IOException {
  private final Path socketPath;

  public PermissionDeniedException(Path socketPath, String message) {
    super(message);
    this.socketPath = socketPath;
  }

  public Path socketPath() {
    return socketPath;
  }

  /** The socket's path crosses a directory this user may not search: names the first such directory. */
  static PermissionDeniedException directory(Path socketPath) {
    Path blocked = socketPath.getParent();
    for (int depth = 1; depth < socketPath.getNameCount(); depth++) {
      Path directory = socketPath.getRoot().resolve(socketPath.subpath(0, depth));
      if (!Files.isExecutable(directory)) {
        blocked = directory;
        break;
      }
    }
    return new PermissionDeniedException(socketPath, "permission denied at " + socketPath + ": this user "
        + who() + " cannot search the directory " + blocked + describe(blocked, PosixFilePermission.GROUP_EXECUTE));
  }

  /** connect() on the socket got EACCES: this user may not write to it. */
  static PermissionDeniedException socket(Path socketPath) {
    return new PermissionDeniedException(socketPath, "permission denied at " + socketPath + ": connect got EACCES, "
        + "this user " + who() + " may not write to the socket"
        + describe(socketPath, PosixFilePermission.GROUP_WRITE));
  }

  private static String who() {
    return "(" + System.getProperty("user.name") + ", uid " + SocketPaths.currentUid() + ")";
  }

  /** The file's mode, owner and group, and who it lets in: the group's members when {@code groupBit} is set. */
  private static String describe(Path file, PosixFilePermission groupBit) {
    try {
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
      long owner = SocketDirectory.owner(file);
      long group = SocketAccess.group(file);
      String name = SocketAccess.groupName(group).orElse(Long.toString(group));
      String facts = " (" + SocketDirectory.describe(mode) + ", owner uid " + owner + ", group "
          + SocketAccess.describeGroup(group) + "); ";
      if (mode.contains(groupBit)) {
        return facts + "it is shared with the members of group " + name + ": usermod -aG " + name + " "
            + System.getProperty("user.name") + " (as root), then log in again";
      }
      return facts + "it is private to uid " + owner + ", whose engine can share it with a group "
          + "(omg.security.allowed-gids, docs/security.md)";
    } catch (IOException e) {
      return "";
    }
  }
}
