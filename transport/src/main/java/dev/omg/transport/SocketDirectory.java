package dev.omg.transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * INTERNAL API. The directory that holds the socket and lock is the first line of defence: only its owner can
 * reach anything inside. It is created 0700, and an existing one is refused if it is a symlink, belongs to
 * another uid, or lets group or others in.
 */
public final class SocketDirectory {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  private SocketDirectory() {}

  /** Creates the directory (and missing parents) or verifies the existing one. */
  public static void prepare(Path directory) throws IOException {
    if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(directory.getParent());
      try {
        Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
      } catch (java.nio.file.FileAlreadyExistsException raced) {
        // Another process created it first: verify it like any existing directory.
      }
      // The umask may have narrowed the mode further but never widened it; make it exactly 0700.
      if (!Files.isSymbolicLink(directory)) {
        Files.setPosixFilePermissions(directory, OWNER_ONLY);
      }
    }
    verify(directory);
  }

  /** Throws {@link UnsafeDirectoryException} when the directory could let another user in. */
  public static void verify(Path directory) throws IOException {
    if (Files.isSymbolicLink(directory)) {
      throw new UnsafeDirectoryException(directory + " is a symbolic link; refusing to use it for the socket");
    }
    if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
      throw new UnsafeDirectoryException(directory + " is not a directory");
    }
    PosixFileAttributes attributes =
        Files.readAttributes(directory, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    long owner = (Integer) Files.getAttribute(directory, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    long me = SocketPaths.currentUid();
    if (owner != me) {
      throw new UnsafeDirectoryException(directory + " is owned by uid " + owner + ", not by this user (uid " + me
          + "); refusing to use it for the socket");
    }
    Set<PosixFilePermission> wide = EnumSet.noneOf(PosixFilePermission.class);
    wide.addAll(attributes.permissions());
    wide.retainAll(GROUP_OR_OTHER);
    if (!wide.isEmpty()) {
      throw new UnsafeDirectoryException(directory + " has mode "
          + PosixFilePermissions.toString(attributes.permissions())
          + ", open to group or others; fix with: chmod 700 " + directory);
    }
  }

  /** The socket directory cannot be trusted. */
  public static final class UnsafeDirectoryException extends IOException {
    public UnsafeDirectoryException(String message) {
      super(message);
    }
  }
}
