package dev.omg.protocol;

/** The version of the wire protocol, exchanged in {@link Hello}. Bumped on any incompatible change. */
public final class ProtocolVersion {
  /** The protocol this build speaks. */
  public static final int CURRENT = 1;

  private ProtocolVersion() {}
}
