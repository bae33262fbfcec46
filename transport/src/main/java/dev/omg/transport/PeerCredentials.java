package dev.omg.transport;

/** The kernel's word on who is at the other end of a connection (SO_PEERCRED). */
public record PeerCredentials(long uid, long gid, long pid) {
  @Override
  public String toString() {
    return "uid " + uid + " gid " + gid + " pid " + pid;
  }
}
