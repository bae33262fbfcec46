package dev.omg.it.bench;

/** The floor of any JVM command line tool: a fresh JVM that prints one line and exits. */
public final class Hello {
  private Hello() {}

  public static void main(String[] args) {
    System.out.println("hello");
  }
}
