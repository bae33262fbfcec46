package dev.omg.engine;

import org.apache.pekko.serialization.JSerializer;

/**
 * Stands in for each remote and cluster serializer in an engine without clustered commands, which sends nothing
 * between nodes (see {@code Engine.withoutClusterSerializers}); bound to no class, so it is never called. Pekko
 * requires serializer ids to be unique unless the serializers are equal: all instances are.
 */
public final class UnusedSerializer extends JSerializer {
  /** Pekko's id for it; never on any wire. */
  public static final int IDENTIFIER = 1_500_016;

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public boolean includeManifest() {
    return false;
  }

  @Override
  public byte[] toBinary(Object o) {
    throw new UnsupportedOperationException("this engine has no clustered commands and sends nothing between nodes");
  }

  @Override
  public Object fromBinaryJava(byte[] bytes, Class<?> manifest) {
    throw new UnsupportedOperationException("this engine has no clustered commands and receives nothing from nodes");
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof UnusedSerializer;
  }

  @Override
  public int hashCode() {
    return IDENTIFIER;
  }
}
