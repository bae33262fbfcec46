package dev.omg.engine;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.slf4j.Logger;

/**
 * The engine's logging, set up in code: every line to stderr (stdout belongs to the CLI's output), Pekko and
 * junixsocket at WARN, the rest at {@code OMG_LOG_LEVEL} (a system property or environment variable; default
 * INFO). Reading an XML file instead cost 250-400 ms of the engine's start (Logback's Joran and the JDK's XML
 * parser); see docs/performance.md. A {@code logback.configurationFile}, {@code logback-test.xml} or
 * {@code logback.xml} of the user's still wins: this configurator then steps aside.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {
  /** Lines about one request carry its id and command from the MDC: [request 7 install]. */
  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{0}"
      + "%replace( [request %X{requestId} %X{command}]){' \\[request  \\]', ''} - %msg%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    ClassLoader loader = LogSetup.class.getClassLoader();
    if (System.getProperty("logback.configurationFile") != null || loader.getResource("logback-test.xml") != null
        || loader.getResource("logback.xml") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    context.getLogger("org.apache.pekko").setLevel(Level.WARN);
    context.getLogger("org.newsclub").setLevel(Level.WARN);
    ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(level(), Level.INFO));
    root.addAppender(stderr);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  /** As the XML's {@code ${OMG_LOG_LEVEL:-INFO}} read it: a system property first, then the environment. */
  private static String level() {
    String property = System.getProperty("OMG_LOG_LEVEL");
    return property != null ? property : System.getenv("OMG_LOG_LEVEL");
  }
}
