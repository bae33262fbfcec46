package dev.omg.client;

import dev.omg.protocol.Response;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * A request sent with {@link EngineClient#stream}: its id, its one final reply, a way to wait for it and a way to
 * cancel it. Safe to use from any thread.
 */
public final class PendingCall {
  private final long id;
  private final String command;
  private final CompletableFuture<Response> reply;
  private final EngineClient client;

  PendingCall(long id, String command, CompletableFuture<Response> reply, EngineClient client) {
    this.id = id;
    this.command = command;
    this.reply = reply;
    this.client = client;
  }

  /** The request's id on its connection. */
  public long id() {
    return id;
  }

  /**
   * Completes with the final response (CANCELLED after a successful {@link #cancel()}), or exceptionally with an
   * {@link IOException} if the connection ends first. It completes on the thread that reads the connection: keep
   * callbacks short, as a callback that blocks holds up every reply of this connection.
   */
  public CompletableFuture<Response> reply() {
    return reply;
  }

  /**
   * Waits until {@code deadline} for the final response, whatever its status. While no other thread reads the
   * connection, the calling thread reads it itself (no hand-off to a reader thread); progress callbacks then run on
   * the calling thread too.
   *
   * @throws IOException when the connection ends first
   * @throws TimeoutException when the deadline passes first
   */
  public Response await(Deadline deadline) throws IOException, TimeoutException {
    return client.await(reply, command, deadline);
  }

  /**
   * Asks the engine to cancel this request. The reply then completes with CANCELLED, unless the handler's
   * answer was already on its way (cancel and reply may cross). Returns at once.
   */
  public void cancel() throws IOException {
    client.cancel(id);
  }

  @Override
  public String toString() {
    return "PendingCall[id=" + id + ", command=" + command + ", done=" + reply.isDone() + "]";
  }
}
