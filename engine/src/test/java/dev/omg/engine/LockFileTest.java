package dev.omg.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LockFileTest {
  @TempDir
  Path dir;

  @Test
  void writesThePidIntoAnOwnerOnlyLockFile() throws Exception {
    Path path = dir.resolve("engine.lock");
    try (LockFile lock = LockFile.acquire(path, dir.resolve("engine.sock"))) {
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
}
