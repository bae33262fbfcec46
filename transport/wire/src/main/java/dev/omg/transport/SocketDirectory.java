package dev.omg.transport;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * INTERNAL API. The directory that holds the socket and lock is the first line of defence: only its owner (and,
 * when the engine is shared, one group) can reach anything inside. It is created 0700 (0750 with the shared group,
 * given before anything is created in it), and an existing one is refused if it is a symlink, belongs to another
 * uid, or lets anyone else in.
 */
public final class SocketDirectory {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> GROUP_OR_OTHER = EnumSet.of(
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  private SocketDirectory() {}

  /** Why a directory cannot hold the socket, and what the user can do about it. */
  public record Problem(String reason, String fix) {
    @Override
    public String toString() {
      return reason + "; fix: " + fix;
    }
  }

  /** Creates the directory (and missing parents) or verifies the existing one, for the engine's user alone. */
  public static void prepare(Path directory) throws IOException {
    prepare(directory, SocketAccess.ownerOnly());
  }

  /**
   * Creates the directory (and missing parents) with {@code access}'s group and mode, or verifies the existing one.
   * An existing private (0700) directory of ours is opened to a configured group: it was safe, and stays safe for
   * the group the configuration names.
   */
  public static void prepare(Path directory, SocketAccess access) throws IOException {
    if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
      Files.createDirectories(directory.getParent());
      try {
        Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        // The umask may have narrowed the mode further but never widened it; make it exactly 0700, or 0750 once
        // it has the group, while it is still empty.
        access.apply(directory, access.directoryMode());
      } catch (FileAlreadyExistsException raced) {
        // Another process created it first (maybe another user): verify it like any existing directory.
      }
    } else if (access.isShared() && check(directory, SocketAccess.ownerOnly()).isEmpty()
        && Files.getPosixFilePermissions(directory, LinkOption.NOFOLLOW_LINKS).equals(OWNER_ONLY)) {
      access.apply(directory, access.directoryMode());
    }
    verify(directory, access);
  }

  /** Throws {@link UnsafeDirectoryException} when the directory could let another user in. */
  public static void verify(Path directory) throws IOException {
    verify(directory, SocketAccess.ownerOnly());
  }

  /** Throws {@link UnsafeDirectoryException} when the directory could let in anyone {@code access} does not. */
  public static void verify(Path directory, SocketAccess access) throws IOException {
    Optional<Problem> problem = check(directory, access);
    if (problem.isPresent()) {
      throw new UnsafeDirectoryException(problem.get().toString());
    }
  }

  /** The reason the existing {@code directory} is unsafe for a private socket, if it is. */
  public static Optional<Problem> check(Path directory) throws IOException {
    return check(directory, SocketAccess.ownerOnly());
  }

  /**
   * The reason the existing {@code directory} is unsafe for a socket with {@code access}, if it is: it must be 0700,
   * or exactly 0750 with the shared group when there is one.
   */
  public static Optional<Problem> check(Path directory, SocketAccess access) throws IOException {
    if (Files.isSymbolicLink(directory)) {
      return Optional.of(new Problem(directory + " is a symbolic link; refusing to use it for the socket",
          "remove the link (rm " + directory + ") or choose another socket path"));
    }
    if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.of(new Problem(directory + " is not a directory",
          "remove it or choose another socket path"));
    }
    PosixFileAttributes attributes =
        Files.readAttributes(directory, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    long owner = owner(directory);
    long me = SocketPaths.currentUid();
    if (owner != me) {
      return Optional.of(new Problem(directory + " is owned by uid " + owner + ", not by this user (uid " + me
          + "); refusing to use it for the socket",
          "choose another socket path (--socket, OMG_SOCKET), or have uid " + owner + " remove " + directory));
    }
    Set<PosixFilePermission> wide = EnumSet.noneOf(PosixFilePermission.class);
    wide.addAll(attributes.permissions());
    wide.retainAll(GROUP_OR_OTHER);
    if (access.isShared() && !wide.isEmpty()) {
      long shared = access.group().getAsLong();
      long group = SocketAccess.group(directory);
      String mode = SocketDirectory.describe(attributes.permissions());
      if (attributes.permissions().equals(access.directoryMode()) && group == shared) {
        return Optional.empty();
      }
      if (attributes.permissions().equals(access.directoryMode())) {
        return Optional.of(new Problem(directory + " has mode " + mode + " for group "
            + SocketAccess.describeGroup(group) + ", not the shared group " + SocketAccess.describeGroup(shared)
            + " (omg.security.allowed-gids)", "chgrp " + shared + " " + directory + ", or chmod 700 " + directory
            + " and the engine gives it the group"));
      }
      return Optional.of(new Problem(directory + " has mode " + mode + ", not rwx------ (0700) nor rwxr-x--- "
          + "(0750) for the shared group " + SocketAccess.describeGroup(shared), "chmod 700 " + directory
          + " and the engine gives it the group"));
    }
    if (!wide.isEmpty()) {
      return Optional.of(new Problem(directory + " has mode " + describe(attributes.permissions())
          + ", open to group or others", "chmod 700 " + directory));
    }
    return Optional.empty();
  }

  /** The file's owner uid, not following a symlink. */
  public static long owner(Path path) throws IOException {
    return ((Number) Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
  }

  /** A mode as people read it in ls and write it for chmod: {@code rwx------ (0700)}. */
  public static String describe(Set<PosixFilePermission> permissions) {
    int octal = 0;
    for (PosixFilePermission permission : permissions) {
      octal |= 1 << (8 - permission.ordinal());
    }
    return PosixFilePermissions.toString(permissions) + String.format(" (%04o)", octal);
  }

  /** The socket directory cannot be trusted. */
  public static final class UnsafeDirectoryException extends IOException {
    public UnsafeDirectoryException(String message) {
      super(message);
    }
  }
}
