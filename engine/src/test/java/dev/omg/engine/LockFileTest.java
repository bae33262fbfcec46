package dev.omg.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.omg.transport.SocketPaths;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LockFileTest {
  @TempDir
  Path dir;

  @Test
  void writesThePidIntoAnOwnerOnlyLockFile() throws Exception {
    Path path = dir.resolve("engine.lock");
    try (LockFile lock = LockFile.acquire(path, dir.resolve("engine.sock"))) {
      assertEquals(OptionalLong.of(ProcessHandle.current().pid()), LockTable.holder(path));
      // Last: reading the file from this process would drop the lock (POSIX locks go with any close).
      assertEquals(ProcessHandle.current().pid() + "\n", Files.readString(path));
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
    }
  }

  @Test
  void refusesASecondHolderNamingTheFirstOnesPid() throws Exception {
    Path path = dir.resolve("engine.lock");
    Path socket = dir.resolve("engine.sock");
    try (LockFile lock = LockFile.acquire(path, socket)) {
      LockFile.AlreadyRunningException e =
          assertThrows(LockFile.AlreadyRunningException.class, () -> LockFile.acquire(path, socket));
      assertEquals("already running (pid " + ProcessHandle.current().pid() + ") on " + socket, e.getMessage());
    }
  }

  @Test
  void removesTheFileWhenReleased() throws Exception {
    Path path = dir.resolve("engine.lock");
    LockFile.acquire(path, dir.resolve("engine.sock")).close();
    assertFalse(Files.exists(path));
  }

  @Test
  void namesTheLockAfterTheSocket() {
    assertEquals(dir.resolve("engine.lock"), Engine.lockPathFor(dir.resolve("engine.sock")));
    assertEquals(dir.resolve("custom.lock"), Engine.lockPathFor(dir.resolve("custom")));
  }

  @Test
  void takesTheFileNowAtThePathWhenTheOneItOpenedWasRemovedByAStoppingHolder() throws Exception {
    Path path = dir.resolve("engine.lock");
    AtomicInteger opens = new AtomicInteger();
    LockFile.Opener racing = p -> {
      FileChannel channel = LockFile.open(p);
      if (opens.incrementAndGet() == 1) {
        // What a stopping holder does after our open: remove its file; then an empty one appears in its place.
        Files.delete(p);
        Files.writeString(p, "");
      }
      return channel;
    };
    try (LockFile lock = LockFile.acquire(path, dir.resolve("engine.sock"), racing)) {
      assertEquals(2, opens.get(), "opened again after finding the path no longer names the locked file");
      assertEquals(OptionalLong.of(ProcessHandle.current().pid()), LockTable.holder(path),
          "the kernel's lock table has this process holding the file at the path");
    }
  }

  @Test
  void refusesASymlinkAtTheLockPathLeavingItsTargetUntouched() throws Exception {
    Path target = Files.writeString(dir.resolve("precious.txt"), "keep me\n");
    Path path = Files.createSymbolicLink(dir.resolve("engine.lock"), target);
    LockFile.UnsafeLockFileException e = assertThrows(LockFile.UnsafeLockFileException.class,
        () -> LockFile.acquire(path, dir.resolve("engine.sock")));
    assertEquals(path + " is a symbolic link to " + target + ", not the engine's lock file; refusing to start "
        + "(nothing was written to it); fix: remove the link (rm " + path + "; its target is left alone), or "
        + "choose another socket path", e.getMessage());
    assertEquals("keep me\n", Files.readString(target));
    assertTrue(Files.isSymbolicLink(path), "the link stays too");
  }

  @Test
  void refusesADirectoryAtTheLockPath() throws Exception {
    Path path = Files.createDirectory(dir.resolve("engine.lock"));
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwx------"));
    LockFile.UnsafeLockFileException e = assertThrows(LockFile.UnsafeLockFileException.class,
        () -> LockFile.acquire(path, dir.resolve("engine.sock")));
    assertEquals(path + " is not a regular file (mode 040700), so not the engine's lock file; refusing to "
        + "start (nothing was written to it); fix: move it away, or choose another socket path", e.getMessage());
  }

  @Test
  void refusesALockFileOwnedByAnotherUid() throws Exception {
    assumeTrue(SocketPaths.currentUid() == 0, "only root can give a file to another uid");
    Path path = Files.writeString(dir.resolve("engine.lock"), "4242\n");
    Files.setAttribute(path, "unix:uid", 65534);
    LockFile.UnsafeLockFileException e = assertThrows(LockFile.UnsafeLockFileException.class,
        () -> LockFile.acquire(path, dir.resolve("engine.sock")));
    assertEquals(path + " is owned by uid 65534, not by this user (uid 0); refusing to start (nothing was "
        + "written to it); fix: have uid 65534 remove it, or choose another socket path", e.getMessage());
    assertEquals("4242\n", Files.readString(path));
  }
}
