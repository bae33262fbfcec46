package dev.omg.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.security.auth.module.UnixSystem;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class SocketAccessTest {
  private static final long MY_PID = ProcessHandle.current().pid();

  @Test
  void isOwnerOnlyWithoutAllowedIds() {
    SocketAccess access = SocketAccess.forAllowed(Set.of(), Set.of());
    assertEquals(SocketAccess.ownerOnly(), access);
    assertEquals("rwx------", modeOf(access.directoryMode()));
    assertEquals("rw-------", modeOf(access.socketMode()));
  }

  @Test
  void sharesDirectorySevenFiftyAndSocketSixSixtyWithTheOneAllowedGroup() {
    SocketAccess access = SocketAccess.forAllowed(Set.of(), Set.of(1234L));
    assertEquals(SocketAccess.sharedWith(1234), access);
    assertEquals("rwxr-x---", modeOf(access.directoryMode()));
    assertEquals("rw-rw----", modeOf(access.socketMode()));
  }

  @Test
  void refusesTwoGroupsNamingTheKey() {
    SocketAccess.UnusableSettingException e = assertThrows(
        SocketAccess.UnusableSettingException.class, () -> SocketAccess.forAllowed(Set.of(), Set.of(7L, 8L)));
    assertEquals("omg.security.allowed-gids", e.key());
  }

  @Test
  void refusesUidsWithoutAGroupNamingTheKey() {
    SocketAccess.UnusableSettingException e = assertThrows(
        SocketAccess.UnusableSettingException.class, () -> SocketAccess.forAllowed(Set.of(1001L), Set.of()));
    assertEquals("omg.security.allowed-uids", e.key());
  }

  @Test
  void readsTheSupplementaryGroupsOfAProcessFromProc() {
    long[] mine = new UnixSystem().getGroups();
    Set<Long> expected = Arrays.stream(mine == null ? new long[0] : mine).boxed().collect(Collectors.toSet());
    assertEquals(expected, SocketAccess.supplementaryGroups(MY_PID));
  }

  @Test
  void countsAProcessAsAMemberByItsPrimaryGid() {
    assertTrue(SocketAccess.sharedWith(4321).isMember(4321, MY_PID));
  }

  @Test
  void countsAProcessAsAMemberByItsSupplementaryGroups() {
    long[] mine = new UnixSystem().getGroups();
    Assumptions.assumeTrue(mine != null && mine.length > 0, "this process has no groups");
    assertTrue(SocketAccess.sharedWith(mine[0]).isMember(Long.MAX_VALUE, MY_PID));
  }

  @Test
  void countsNoProcessAsAMemberOfAGroupItIsNotIn() {
    assertFalse(SocketAccess.sharedWith(4_000_000_000L).isMember(1, MY_PID));
  }

  @Test
  void countsAProcessThatIsGoneAsNoMember() {
    assertFalse(SocketAccess.sharedWith(1).isMember(0, Long.MAX_VALUE));
  }

  @Test
  void countsNobodyAsAMemberWhenTheEngineIsPrivate() {
    assertFalse(SocketAccess.ownerOnly().isMember(new UnixSystem().getGid(), MY_PID));
  }

  @Test
  void acceptsAGroupThisProcessIsInOrAnyGroupAsRoot() throws Exception {
    SocketAccess.sharedWith(new UnixSystem().getGid()).checkUsable();
    SocketAccess.ownerOnly().checkUsable();
  }

  @Test
  void refusesAGroupThisUserIsNotInNamingTheUsermodThatFixesIt() {
    Assumptions.assumeTrue(SocketPaths.currentUid() != 0, "root may give files any group");
    String user = System.getProperty("user.name");
    SocketAccess.GroupNotUsableException e = assertThrows(SocketAccess.GroupNotUsableException.class,
        () -> SocketAccess.sharedWith(4_000_000_000L).checkUsable());
    assertEquals("omg.security.allowed-gids names group 4000000000, but this user (" + user + ", uid "
        + SocketPaths.currentUid() + ") is not a member, so the engine cannot give the socket that group; fix: "
        + "usermod -aG 4000000000 " + user + " (as root), then log in again so the engine runs with the new group",
        e.getMessage());
  }

  @Test
  void describesAGroupByNumberAndName() {
    assertEquals("0 (root)", SocketAccess.describeGroup(0));
    assertEquals("4000000000", SocketAccess.describeGroup(4_000_000_000L));
  }

  private static String modeOf(Set<PosixFilePermission> mode) {
    return PosixFilePermissions.toString(mode);
  }
}
