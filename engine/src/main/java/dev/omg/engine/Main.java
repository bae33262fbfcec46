package dev.omg.engine;

import java.io.PrintStream;
import java.util.Map;

/**
 * The engine jar's entry point: {@code serve} runs the engine; every other command is the CLI's ({@link Cli}, the
 * same code the thin client jar runs), so {@code java -jar omg-engine.jar ping} works as SPEC.md says.
 */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.getenv(), System.out, System.err));
  }

  static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    return Cli.run(args, env, out, err, Serve::run);
  }
}
