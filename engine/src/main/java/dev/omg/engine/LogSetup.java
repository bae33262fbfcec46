package dev.omg.engine;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.LayoutBase;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.RolloverFailure;
import ch.qos.logback.core.rolling.TriggeringPolicyBase;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.io.File;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's logging, set up in code, in one of three ways chosen without the user having to say:
 *
 * <ul>
 *   <li>on stderr, with a timestamp on each line: {@code serve} in a terminal (stdout belongs to the CLI);
 *   <li>on stderr with each line prefixed by its syslog priority ({@code <4>}) and no timestamp, when stderr is
 *       the journal's stream ({@code JOURNAL_STREAM} names its device and inode, systemd.exec(5)): journald
 *       stamps and ranks the lines itself, so {@code journalctl -p warning} works;
 *   <li>in a size-capped rolling file, once {@code serve --log-file FILE} has read its configuration
 *       ({@link #toFile}): an engine started by a client, which has no terminal and maybe no journal.
 * </ul>
 *
 * Pekko and junixsocket log at WARN, the rest at {@code OMG_LOG_LEVEL} (a system property or environment
 * variable; default INFO). Reading an XML file instead cost 250-400 ms of the engine's start (Logback's Joran and
 * the JDK's XML parser); see docs/performance.md. A {@code logback.configurationFile}, {@code logback-test.xml}
 * or {@code logback.xml} of the user's still wins: this configurator then steps aside, and so does {@link #toFile}.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {
  /** Lines about one request carry its id and command from the MDC: [request 7 install]. */
  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0}"
      + "%replace( [request %X{requestId} %X{command}]){' \\[request  \\]', ''} - %msg%n";
  /** As {@link #PATTERN} without the timestamp, which journald adds. */
  static final String JOURNAL_PATTERN = PATTERN.substring("%d{HH:mm:ss.SSS} ".length());
  /** The appender this configurator adds to the root logger; {@link #toFile} replaces it. */
  private static final String STDERR = "STDERR";
  private static final String FILE = "FILE";
  /** Set when this configurator, not a user's file, configured Logback. */
  private static volatile boolean configured;

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    ClassLoader loader = LogSetup.class.getClassLoader();
    if (System.getProperty("logback.configurationFile") != null || loader.getResource("logback-test.xml") != null
        || loader.getResource("logback.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    boolean journal = JournalStream.isStderr(System.getenv("JOURNAL_STREAM"));
    LayoutWrappingEncoder<ILoggingEvent> encoder = journal ? journalEncoder(context) : patternEncoder(context);
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName(STDERR);
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    context.getLogger("org.apache.pekko").setLevel(Level.WARN);
    context.getLogger("org.newsclub").setLevel(Level.WARN);
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(level(), Level.INFO));
    root.addAppender(stderr);
    configured = true;
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  private static PatternLayoutEncoder patternEncoder(LoggerContext context) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    return encoder;
  }

  private static LayoutWrappingEncoder<ILoggingEvent> journalEncoder(LoggerContext context) {
    JournalLayout layout = new JournalLayout();
    layout.setContext(context);
    layout.start();
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    encoder.setLayout(layout);
    encoder.start();
    return encoder;
  }

  /**
   * Moves the engine's log from stderr to {@code file}, rolled over when it reaches {@code maxFileSize} bytes,
   * keeping {@code maxFiles} files in all ({@code file}, {@code file.1}, ... {@code file.<maxFiles-1>}): the log
   * takes at most {@code maxFileSize x maxFiles} bytes, plus one line per file. The directory is created 0700 if
   * missing, each file 0600. Does nothing when a user's Logback file configured the logging.
   *
   * @return whether the log now goes to {@code file}
   * @throws IOException when the directory or the file cannot be created
   */
  static boolean toFile(Path file, long maxFileSize, int maxFiles) throws IOException {
    if (!configured) {
      return false;
    }
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    RollingFileAppender<ILoggingEvent> appender = rollingFile(context, file, maxFileSize, maxFiles);
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.addAppender(appender);
    Appender<ILoggingEvent> stderr = root.getAppender(STDERR);
    if (stderr != null) {
      root.detachAppender(stderr);
      stderr.stop();
    }
    return true;
  }

  /** The started appender {@link #toFile} logs through. */
  static RollingFileAppender<ILoggingEvent> rollingFile(LoggerContext context, Path file, long maxFileSize,
      int maxFiles) throws IOException {
    createPrivately(file);
    RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
    appender.setContext(context);
    appender.setName(FILE);
    appender.setFile(file.toString());
    PrivateFixedWindow rolling = new PrivateFixedWindow();
    rolling.setContext(context);
    rolling.setParent(appender);
    rolling.setFileNamePattern(file + ".%i");
    rolling.setMinIndex(1);
    rolling.setMaxIndex(maxFiles - 1);
    rolling.start();
    SizeCap cap = new SizeCap(maxFileSize);
    cap.setContext(context);
    cap.start();
    appender.setRollingPolicy(rolling);
    appender.setTriggeringPolicy(cap);
    appender.setEncoder(patternEncoder(context));
    appender.start();
    if (!appender.isStarted()) {
      throw new IOException("Logback could not open it");
    }
    return appender;
  }

  /** The directory (0700, with its missing parents) and the file (0600), before Logback opens it with the umask. */
  static void createPrivately(Path file) throws IOException {
    List<Path> missing = new ArrayList<>();
    for (Path directory = file.toAbsolutePath().getParent(); directory != null && !Files.isDirectory(directory);
        directory = directory.getParent()) {
      missing.add(0, directory);
    }
    for (Path directory : missing) {
      try {
        Files.createDirectory(directory,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (FileAlreadyExistsException raced) {
        // Another engine made it first.
      }
    }
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (FileAlreadyExistsException kept) {
      // Appended to, as it is.
    }
  }

  /** As the XML's {@code ${OMG_LOG_LEVEL:-INFO}} read it: a system property first, then the environment. */
  private static String level() {
    String property = System.getProperty("OMG_LOG_LEVEL");
    return property != null ? property : System.getenv("OMG_LOG_LEVEL");
  }

  /**
   * The journal's line format: {@link #JOURNAL_PATTERN} with every line, a stack trace's included, prefixed by
   * the event's syslog priority, which journald reads and strips (SyslogLevelPrefix, on by default).
   */
  static final class JournalLayout extends LayoutBase<ILoggingEvent> {
    private final PatternLayout pattern = new PatternLayout();

    @Override
    public void start() {
      pattern.setContext(getContext());
      pattern.setPattern(JOURNAL_PATTERN);
      pattern.start();
      super.start();
    }

    @Override
    public String doLayout(ILoggingEvent event) {
      String prefix = "<" + priority(event.getLevel()) + ">";
      String text = pattern.doLayout(event);
      StringBuilder lines = new StringBuilder(text.length() + 16);
      int from = 0;
      while (from < text.length()) {
        int end = text.indexOf('\n', from);
        end = end < 0 ? text.length() : end + 1;
        lines.append(prefix).append(text, from, end);
        from = end;
      }
      return lines.toString();
    }

    /** syslog(3)'s priorities: LOG_ERR 3, LOG_WARNING 4, LOG_INFO 6, LOG_DEBUG 7 (TRACE too). */
    static int priority(Level level) {
      return switch (level.toInt()) {
        case Level.ERROR_INT -> 3;
        case Level.WARN_INT -> 4;
        case Level.INFO_INT -> 6;
        default -> 7;
      };
    }
  }

  /** systemd's {@code JOURNAL_STREAM}: set when stdout or stderr is connected to the journal. */
  static final class JournalStream {
    private JournalStream() {}

    /** Whether {@code value} ({@code DEVICE:INODE}, in decimal) names this process's stderr. */
    static boolean isStderr(String value) {
      return value != null && !value.isBlank() && names(value, Path.of("/proc/self/fd/2"));
    }

    /**
     * Whether {@code value} names the file {@code opened} leads to: stderr may have been redirected since systemd
     * set the variable (to a file, by a user's shell), and then it is not the journal.
     */
    static boolean names(String value, Path opened) {
      int colon = value.indexOf(':');
      if (colon < 0) {
        return false;
      }
      try {
        long device = Long.parseUnsignedLong(value.substring(0, colon).trim());
        long inode = Long.parseUnsignedLong(value.substring(colon + 1).trim());
        // stat(2) through /proc's link: a socket's device and inode, as systemd read them (bad numbers: not ours).
        return ((Number) Files.getAttribute(opened, "unix:dev")).longValue() == device
            && ((Number) Files.getAttribute(opened, "unix:ino")).longValue() == inode;
      } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
        return false;
      }
    }
  }

  /** Rolls over once the file has reached the cap, checked at every line: a few lines a second at most. */
  static final class SizeCap extends TriggeringPolicyBase<ILoggingEvent> {
    private final long maxFileSize;

    SizeCap(long maxFileSize) {
      this.maxFileSize = maxFileSize;
    }

    long maxFileSize() {
      return maxFileSize;
    }

    @Override
    public boolean isTriggeringEvent(File activeFile, ILoggingEvent event) {
      return activeFile.length() >= maxFileSize;
    }
  }

  /** Logback's fixed window, with each new file created 0600 before the appender opens it with the umask. */
  static final class PrivateFixedWindow extends FixedWindowRollingPolicy {
    @Override
    public void rollover() throws RolloverFailure {
      super.rollover();
      try {
        createPrivately(Path.of(getActiveFileName()));
      } catch (IOException e) {
        throw new RolloverFailure("cannot create " + getActiveFileName() + " 0600: " + e.getMessage());
      }
    }
  }
}
