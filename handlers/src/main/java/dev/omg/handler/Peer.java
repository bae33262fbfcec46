package dev.omg.handler;

/**
 * Who sent a request: the kernel's word on the process at the other end of its connection (SO_PEERCRED), read
 * when the connection was accepted. Only peers the engine allows reach a handler at all. An immutable value,
 * from {@link HandlerRequest#peer()}, safe to read from any thread.
 *
 * @param uid the peer's user id
 * @param gid the peer's primary group id
 * @param pid the peer's process id (the process that connected; it may have exited since)
 */
public record Peer(long uid, long gid, long pid) {
  /** For requests that did not come through a connection, e.g. in tests. */
  public static final Peer UNKNOWN = new Peer(-1, -1, -1);
}
