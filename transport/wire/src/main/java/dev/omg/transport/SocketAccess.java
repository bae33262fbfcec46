package dev.omg.transport;

import com.sun.security.auth.module.UnixSystem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * INTERNAL API. Who the file modes let reach the socket: its owner alone (directory 0700, socket 0600), or its
 * owner and one shared group (directory 0750, socket 0660, both of that group), from
 * {@code omg.security.allowed-gids}. The kernel lets a process through a group's mode bits when the group is its
 * primary or one of its supplementary groups, so the peer check accepts both (see {@link #isMember}).
 */
public final class SocketAccess {
  private static final Set<PosixFilePermission> OWNER_DIRECTORY = PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> GROUP_DIRECTORY = PosixFilePermissions.fromString("rwxr-x---");
  private static final Set<PosixFilePermission> OWNER_SOCKET = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> GROUP_SOCKET = PosixFilePermissions.fromString("rw-rw----");
  private static final SocketAccess OWNER_ONLY = new SocketAccess(OptionalLong.empty());

  private final OptionalLong group;

  private SocketAccess(OptionalLong group) {
    this.group = group;
  }

  /** The engine's user alone. */
  public static SocketAccess ownerOnly() {
    return OWNER_ONLY;
  }

  /** The engine's user and the members of group {@code gid}. */
  public static SocketAccess sharedWith(long gid) {
    return new SocketAccess(OptionalLong.of(gid));
  }

  /**
   * The access {@code omg.security} asks for, or why it cannot be given: files have one group, so at most one gid;
   * an allowed uid can only reach the socket through that group's mode bits, so uids need a group.
   *
   * @throws UnusableSettingException naming the key, the problem and the fix
   */
  public static SocketAccess forAllowed(Set<Long> allowedUids, Set<Long> allowedGids) {
    String share = "groupadd omg, usermod -aG omg USER for each user (as root), and set omg.security.allowed-gids = "
        + "[<the gid of omg>]";
    if (allowedGids.size() > 1) {
      throw new UnusableSettingException("omg.security.allowed-gids", "names " + allowedGids.size() + " groups "
          + allowedGids.stream().sorted().toList() + ", but the socket and its directory can belong to only one "
          + "group; use one shared group: " + share);
    }
    if (allowedGids.isEmpty()) {
      if (!allowedUids.isEmpty()) {
        throw new UnusableSettingException("omg.security.allowed-uids", allowedUids.stream().sorted().toList()
            + " cannot take effect without a shared group: the socket's directory is 0700, so no other user can "
            + "reach the socket; share the engine with a group instead: " + share
            + " (the allowed uids must be members of that group)");
      }
      return OWNER_ONLY;
    }
    return sharedWith(allowedGids.iterator().next());
  }

  public OptionalLong group() {
    return group;
  }

  public boolean isShared() {
    return group.isPresent();
  }

  /** The mode the engine gives the socket's directory: 0700, or 0750 when shared. */
  public Set<PosixFilePermission> directoryMode() {
    return isShared() ? GROUP_DIRECTORY : OWNER_DIRECTORY;
  }

  /** The mode the engine gives the socket: 0600, or 0660 when shared. */
  public Set<PosixFilePermission> socketMode() {
    return isShared() ? GROUP_SOCKET : OWNER_SOCKET;
  }

  /**
   * Gives {@code path} (not following a symlink) this access's group, if any, then its mode: a file that is
   * widened to a group always has that group first.
   */
  public void apply(Path path, Set<PosixFilePermission> mode) throws IOException {
    if (group.isPresent()) {
      Files.setAttribute(path, "unix:gid", (int) group.getAsLong(), LinkOption.NOFOLLOW_LINKS);
    }
    Files.setPosixFilePermissions(path, mode);
  }

  /**
   * Refuses a group this process cannot give its files, before anything is created: chgrp to a group needs
   * membership of it, or root.
   */
  public void checkUsable() throws GroupNotUsableException {
    if (group.isEmpty()) {
      return;
    }
    long gid = group.getAsLong();
    if (SocketPaths.currentUid() != 0 && !currentUserIsIn(gid)) {
      String user = System.getProperty("user.name");
      throw new GroupNotUsableException("omg.security.allowed-gids names group " + describeGroup(gid)
          + ", but this user (" + user + ", uid " + SocketPaths.currentUid() + ") is not a member, so the engine "
          + "cannot give the socket that group; fix: usermod -aG " + groupName(gid).orElse(Long.toString(gid)) + " "
          + user + " (as root), then log in again so the engine runs with the new group");
    }
  }

  /** Whether this process has group {@code gid}, as its primary or a supplementary group. */
  public static boolean currentUserIsIn(long gid) {
    UnixSystem me = new UnixSystem();
    return me.getGid() == gid
        || Arrays.stream(me.getGroups() == null ? new long[0] : me.getGroups()).anyMatch(g -> g == gid);
  }

  /**
   * Whether the process {@code pid}, whose primary gid is {@code gid}, is in this access's group: the primary gid
   * or one of the supplementary groups in {@code /proc/PID/status}. Read while its connection is open; a process
   * that is gone, or a system without procfs, counts as not a member.
   */
  public boolean isMember(long gid, long pid) {
    if (group.isEmpty()) {
      return false;
    }
    return gid == group.getAsLong() || supplementaryGroups(pid).contains(group.getAsLong());
  }

  /** The supplementary groups of process {@code pid}, from the "Groups:" line of /proc/PID/status. */
  public static Set<Long> supplementaryGroups(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"),
          StandardCharsets.UTF_8)) {
        if (line.startsWith("Groups:")) {
          String ids = line.substring("Groups:".length()).trim();
          return ids.isEmpty() ? Set.of() : Set.copyOf(Arrays.stream(ids.split("\\s+")).map(Long::valueOf).toList());
        }
      }
    } catch (IOException | NumberFormatException e) {
      // The process is gone or /proc is not there: no group can be proven.
    }
    return Set.of();
  }

  /** A group as people know it: {@code 1234 (omg)}, or the number alone when /etc/group does not name it. */
  public static String describeGroup(long gid) {
    return gid + groupName(gid).map(name -> " (" + name + ")").orElse("");
  }

  /** The name /etc/group gives {@code gid}, if it names it. */
  public static Optional<String> groupName(long gid) {
    try {
      for (String line : Files.readAllLines(Path.of("/etc/group"), StandardCharsets.UTF_8)) {
        String[] fields = line.split(":", -1);
        if (fields.length >= 3 && fields[2].equals(Long.toString(gid))) {
          return Optional.of(fields[0]);
        }
      }
    } catch (IOException e) {
      // No readable local group file (e.g. groups from a directory service): the number stands alone.
    }
    return Optional.empty();
  }

  /** The file's group id, not following a symlink. */
  public static long group(Path path) throws IOException {
    return ((Number) Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS)).longValue();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SocketAccess that && group.equals(that.group);
  }

  @Override
  public int hashCode() {
    return group.hashCode();
  }

  @Override
  public String toString() {
    return group.isPresent() ? "shared with group " + describeGroup(group.getAsLong()) : "owner only";
  }

  /** {@code omg.security} asks for access the file modes cannot give. */
  public static final class UnusableSettingException extends IllegalArgumentException {
    private final String key;

    public UnusableSettingException(String key, String problem) {
      super(problem);
      this.key = key;
    }

    /** The key to name in the error. */
    public String key() {
      return key;
    }
  }

  /** The engine's user cannot give its files the configured group. */
  public static final class GroupNotUsableException extends IOException {
    public GroupNotUsableException(String message) {
      super(message);
    }
  }
}
