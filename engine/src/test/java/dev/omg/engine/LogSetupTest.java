package dev.omg.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine's log formats and its rolling file, each on a Logback context of its own. */
class LogSetupTest {
  @TempDir
  Path dir;

  private final LoggerContext context = new LoggerContext();

  @BeforeEach
  void giveTheContextAnMdc() {
    context.setMDCAdapter(new LogbackMDCAdapter());
  }

  @AfterEach
  void stopTheContext() {
    context.stop();
  }

  private LoggingEvent event(Level level, String message, Throwable error) {
    Logger logger = context.getLogger("dev.omg.transport.ConnectionProtocol");
    return new LoggingEvent(Logger.class.getName(), logger, level, message, error, null);
  }

  private String journalLine(ILoggingEvent event) {
    LogSetup.JournalLayout layout = new LogSetup.JournalLayout();
    layout.setContext(context);
    layout.start();
    return layout.doLayout(event);
  }

  @Test
  void writesAJournalLineWithItsSyslogPriorityAndNoTimestamp() {
    assertEquals("<4>WARN  ConnectionProtocol - conn-1 (pid 9): corrupted frame (PROTOCOL_ERROR); closing the "
        + "connection\n", journalLine(event(Level.WARN, "conn-1 (pid 9): corrupted frame (PROTOCOL_ERROR); closing "
        + "the connection", null)));
  }

  @Test
  void givesEachLevelItsSyslogPriority() {
    assertEquals(List.of(3, 4, 6, 7, 7), Stream.of(Level.ERROR, Level.WARN, Level.INFO, Level.DEBUG, Level.TRACE)
        .map(LogSetup.JournalLayout::priority).toList());
  }

  @Test
  void prefixesEveryLineOfAStackTraceSoJournaldKeepsItsPriority() {
    String text = journalLine(event(Level.ERROR, "failed\nsecond line", new IllegalStateException("boom")));
    assertTrue(text.startsWith("<3>ERROR ConnectionProtocol - failed\n<3>second line\n"
        + "<3>java.lang.IllegalStateException: boom\n<3>\tat "), text);
    assertTrue(text.lines().allMatch(line -> line.startsWith("<3>")), text);
    assertTrue(text.endsWith("\n") && !text.endsWith("<3>"), text);
  }

  @Test
  void recognisesTheJournalStreamOnlyWhenItNamesTheFileStderrLeadsTo() throws Exception {
    Path stderr = Files.createFile(dir.resolve("stderr"));
    Path other = Files.createFile(dir.resolve("other"));
    long device = ((Number) Files.getAttribute(stderr, "unix:dev")).longValue();
    long inode = ((Number) Files.getAttribute(stderr, "unix:ino")).longValue();
    assertTrue(LogSetup.JournalStream.names(device + ":" + inode, stderr));
    assertFalse(LogSetup.JournalStream.names(device + ":" + inode, other), "stderr redirected since");
    assertFalse(LogSetup.JournalStream.names(device + ":x", stderr));
    assertFalse(LogSetup.JournalStream.names("", stderr));
    assertFalse(LogSetup.JournalStream.isStderr(null));
  }

  @Test
  void rollsTheFileAtTheCapKeepingTheConfiguredNumberOfFiles() throws Exception {
    Path log = dir.resolve("state/omg/engine.log");
    RollingFileAppender<ILoggingEvent> appender = LogSetup.rollingFile(context, log, 4096, 3);
    FixedWindowRollingPolicy rolling = (FixedWindowRollingPolicy) appender.getRollingPolicy();
    assertEquals(log + ".%i", rolling.getFileNamePattern());
    assertEquals(1, rolling.getMinIndex());
    assertEquals(2, rolling.getMaxIndex());
    assertEquals(4096, ((LogSetup.SizeCap) appender.getTriggeringPolicy()).maxFileSize());

    String line = "x".repeat(100);
    for (int i = 0; i < 1000; i++) {
      appender.doAppend(event(Level.WARN, line, null));
    }
    appender.stop();
    List<Path> files;
    try (Stream<Path> listed = Files.list(log.getParent())) {
      files = listed.sorted().toList();
    }
    assertEquals(List.of(log, Path.of(log + ".1"), Path.of(log + ".2")), files);
    long longestLine = Files.readAllLines(log).stream().mapToLong(l -> l.length() + 1).max().orElseThrow();
    for (Path file : files) {
      assertTrue(Files.size(file) <= 4096 + longestLine, file + " is " + Files.size(file) + " bytes");
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), file.toString());
    }
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(log.getParent())));
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("state"))));
  }
}
