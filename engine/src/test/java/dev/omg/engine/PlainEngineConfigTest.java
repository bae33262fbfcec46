package dev.omg.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.omg.config.OmgConfig;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** An engine without clustered commands runs with none of the remote and cluster jars' serializers. */
class PlainEngineConfigTest {
  @Test
  void buildsNoneOfTheRemoteAndClusterSerializersEvenOverPekkosReferenceConf() {
    // As Pekko's ActorSystem settings read it: the configuration over the reference.conf files.
    Config config = Engine.withoutClusterSerializers(OmgConfig.parse(""))
        .withFallback(ConfigFactory.defaultReference()).resolve();
    Map<String, Object> serializers = config.getObject("pekko.actor.serializers").unwrapped();
    assertEquals(List.of(), serializers.values().stream().map(String::valueOf)
        .filter(type -> type.startsWith("org.apache.pekko.remote.") || type.startsWith("org.apache.pekko.cluster."))
        .toList());
    assertEquals(new TreeSet<>(List.of("bytes", "java", "pekko-stream-ref", "primitive-boolean",
        "primitive-bytestring", "primitive-int", "primitive-long", "primitive-string", "service-key", "typed-misc")),
        new TreeSet<>(serializers.entrySet().stream()
            .filter(e -> !e.getValue().equals(UnusedSerializer.class.getName())).map(Map.Entry::getKey).toList()));
    // A binding to a stand-in is "none": Pekko skips it without loading its class.
    assertEquals(List.of(), config.getObject("pekko.actor.serialization-bindings").unwrapped().values().stream()
        .filter(alias -> UnusedSerializer.class.getName().equals(serializers.get(String.valueOf(alias))))
        .toList());
  }
}
