package dev.omg.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SocketDirectoryTest {
  @TempDir
  Path dir;

  private static String mode(Path path) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path, LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void createsAMissingDirectoryAndItsParentsWithModeSevenHundred() throws Exception {
    Path run = dir.resolve("a/b/run");
    SocketDirectory.prepare(run);
    assertEquals("rwx------", mode(run));
  }

  @Test
  void acceptsAnExistingPrivateDirectory() throws Exception {
    Path run = Files.createDirectory(dir.resolve("run"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    SocketDirectory.prepare(run);
    assertEquals("rwx------", mode(run));
  }

  @Test
  void refusesADirectoryOpenToGroupOrOthersWithTheChmodThatFixesIt() throws Exception {
    Path run = Files.createDirectory(dir.resolve("run"));
    Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-x---"));
    SocketDirectory.UnsafeDirectoryException e =
        assertThrows(SocketDirectory.UnsafeDirectoryException.class, () -> SocketDirectory.prepare(run));
    assertEquals(run + " has mode rwxr-x--- (0750), open to group or others; fix: chmod 700 " + run,
        e.getMessage());
    assertEquals("rwxr-x---", mode(run), "refused, not repaired: the user decides");
  }

  @Test
  void refusesASymbolicLinkEvenToAPrivateDirectory() throws Exception {
    Path target = Files.createDirectory(dir.resolve("target"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Path link = Files.createSymbolicLink(dir.resolve("run"), target);
    SocketDirectory.UnsafeDirectoryException e =
        assertThrows(SocketDirectory.UnsafeDirectoryException.class, () -> SocketDirectory.prepare(link));
    assertEquals(link + " is a symbolic link; refusing to use it for the socket; fix: remove the link (rm " + link
        + ") or choose another socket path", e.getMessage());
  }

  @Test
  void refusesADirectoryOwnedByAnotherUser() throws Exception {
    Assumptions.assumeTrue(SocketPaths.currentUid() == 0, "only root can give a directory to another uid");
    Path run = Files.createDirectory(dir.resolve("run"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Files.setAttribute(run, "unix:uid", 65534);
    SocketDirectory.UnsafeDirectoryException e =
        assertThrows(SocketDirectory.UnsafeDirectoryException.class, () -> SocketDirectory.prepare(run));
    assertEquals(run + " is owned by uid 65534, not by this user (uid 0); refusing to use it for the socket; fix: "
        + "choose another socket path (--socket, OMG_SOCKET), or have uid 65534 remove " + run, e.getMessage());
  }

  @Test
  void refusesAFileWhereTheDirectoryShouldBe() throws Exception {
    Path run = Files.writeString(dir.resolve("run"), "");
    SocketDirectory.UnsafeDirectoryException e =
        assertThrows(SocketDirectory.UnsafeDirectoryException.class, () -> SocketDirectory.prepare(run));
    assertEquals(run + " is not a directory; fix: remove it or choose another socket path", e.getMessage());
    assertFalse(Files.isDirectory(run));
  }

  /** A group this process may give its files that is not its own primary group when it can be: root may use any. */
  private static long sharedGroup() {
    return SocketPaths.currentUid() == 0 ? 65534 : new com.sun.security.auth.module.UnixSystem().getGid();
  }

  private static long groupOf(Path path) throws Exception {
    return ((Number) Files.getAttribute(path, "unix:gid", LinkOption.NOFOLLOW_LINKS)).longValue();
  }

  @Test
  void createsAMissingDirectorySevenFiftyWithTheSharedGroup() throws Exception {
    Path run = dir.resolve("a/run");
    SocketDirectory.prepare(run, SocketAccess.sharedWith(sharedGroup()));
    assertEquals("rwxr-x---", mode(run));
    assertEquals(sharedGroup(), groupOf(run));
  }

  @Test
  void acceptsAnExistingDirectorySevenFiftyWithTheSharedGroup() throws Exception {
    Path run = Files.createDirectory(dir.resolve("run"));
    Files.setAttribute(run, "unix:gid", (int) sharedGroup());
    Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-x---"));
    SocketDirectory.prepare(run, SocketAccess.sharedWith(sharedGroup()));
    assertEquals("rwxr-x---", mode(run));
  }

  @Test
  void givesAnExistingPrivateDirectoryTheSharedGroupAndModeSevenFifty() throws Exception {
    Path run = Files.createDirectory(dir.resolve("run"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    SocketDirectory.prepare(run, SocketAccess.sharedWith(sharedGroup()));
    assertEquals("rwxr-x---", mode(run));
    assertEquals(sharedGroup(), groupOf(run));
  }

  @Test
  void refusesASevenFiftyDirectoryOfAnotherGroupNamingTheChgrpThatFixesIt() throws Exception {
    Path run = Files.createDirectory(dir.resolve("run"));
    Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxr-x---"));
    long other = groupOf(run);
    SocketDirectory.UnsafeDirectoryException e = assertThrows(SocketDirectory.UnsafeDirectoryException.class,
        () -> SocketDirectory.prepare(run, SocketAccess.sharedWith(4_000_000_000L)));
    assertEquals(run + " has mode rwxr-x--- (0750) for group " + SocketAccess.describeGroup(other) + ", not the "
        + "shared group 4000000000 (omg.security.allowed-gids); fix: chgrp 4000000000 " + run + ", or chmod 700 "
        + run + " and the engine gives it the group", e.getMessage());
    assertEquals(other, groupOf(run), "refused, not repaired");
  }

  @Test
  void refusesADirectoryOpenToTheGroupForWritingEvenWithTheSharedGroup() throws Exception {
    Path run = Files.createDirectory(dir.resolve("run"));
    Files.setAttribute(run, "unix:gid", (int) sharedGroup());
    Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwxrwx---"));
    SocketDirectory.UnsafeDirectoryException e = assertThrows(SocketDirectory.UnsafeDirectoryException.class,
        () -> SocketDirectory.prepare(run, SocketAccess.sharedWith(sharedGroup())));
    assertEquals(run + " has mode rwxrwx--- (0770), not rwx------ (0700) nor rwxr-x--- (0750) for the shared group "
        + SocketAccess.describeGroup(sharedGroup()) + "; fix: chmod 700 " + run + " and the engine gives it the "
        + "group", e.getMessage());
    assertEquals("rwxrwx---", mode(run), "refused, not repaired");
  }

  @Test
  void refusesASharedDirectoryWhenTheEngineIsPrivate() throws Exception {
    Path run = dir.resolve("run");
    SocketDirectory.prepare(run, SocketAccess.sharedWith(sharedGroup()));
    SocketDirectory.UnsafeDirectoryException e =
        assertThrows(SocketDirectory.UnsafeDirectoryException.class, () -> SocketDirectory.prepare(run));
    assertEquals(run + " has mode rwxr-x--- (0750), open to group or others; fix: chmod 700 " + run, e.getMessage());
  }
}
