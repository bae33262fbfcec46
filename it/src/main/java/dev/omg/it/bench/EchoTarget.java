package dev.omg.it.bench;

import java.io.IOException;

/**
 * One server under test as the workloads see it: an echo service that hands out connections. Each workload
 * opens its own connections and closes them when done, so workloads do not share state.
 */
interface EchoTarget extends AutoCloseable {
  @Override
  void close() throws IOException;

  /** The column this target fills in the table: raw, engine or grpc. */
  String name();

  /** A connection used by one thread, one request at a time. */
  BlockingEcho openBlocking() throws Exception;

  /** A connection that carries many requests at once; replies are reported to each request's completion. */
  PipelinedEcho openPipelined() throws Exception;

  /** One request at a time. Closing it from another thread makes a blocked {@link #call} fail. */
  interface BlockingEcho extends AutoCloseable {
    /** Sends {@code payload} and returns the length of the echo. */
    int call(byte[] payload) throws Exception;

    @Override
    void close() throws IOException;
  }

  /** Many requests at once; the caller bounds how many (the workload's window). */
  interface PipelinedEcho extends AutoCloseable {
    /** Sends {@code payload} without waiting; {@code done} runs once, on whatever thread sees the reply. */
    void send(byte[] payload, Completion done);

    @Override
    void close() throws IOException;
  }

  /** The outcome of one pipelined request. */
  @FunctionalInterface
  interface Completion {
    /** Exactly one of: the echoed length with a null failure, or a failure. */
    void complete(int echoedLength, Throwable failure);
  }
}
