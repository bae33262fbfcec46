package dev.omg.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The client API package is what applications calling the engine compile against (README, "Using it from Java"):
 * its public types are a known list, and no public signature names a type of {@code dev.omg.client.internal}.
 */
class ClientApiSurfaceTest {
  private static final String INTERNAL = "dev.omg.client.internal.";

  @Test
  void thePublicTypesAreTheDocumentedOnes() throws Exception {
    assertEquals(Set.of("AutoStart", "ClientOptions", "Deadline", "EngineClient", "EngineException",
        "NoEngineException", "PendingCall", "PermissionDeniedException", "RetryPolicy"), names(publicTypes()));
  }

  @Test
  void publicSignaturesNameNoInternalType() throws Exception {
    Set<String> leaks = new TreeSet<>();
    for (Class<?> type : publicTypes()) {
      List<Executable> members = new ArrayList<>(List.of(type.getConstructors()));
      members.addAll(List.of(type.getMethods()));
      for (Executable member : members) {
        List<Class<?>> named = new ArrayList<>(List.of(member.getParameterTypes()));
        if (member instanceof Method method) {
          named.add(method.getReturnType());
        }
        named.addAll(List.of(member.getExceptionTypes()));
        named.stream().filter(c -> c.getName().startsWith(INTERNAL))
            .forEach(c -> leaks.add(type.getSimpleName() + "." + member.getName() + " names " + c.getName()));
      }
    }
    assertEquals(Set.of(), leaks);
  }

  private static Set<String> names(List<Class<?>> types) {
    Set<String> names = new TreeSet<>();
    types.forEach(type -> names.add(type.getSimpleName()));
    return names;
  }

  /** The public top-level classes compiled into this package (not its sub-packages). */
  private static List<Class<?>> publicTypes() throws URISyntaxException, java.io.IOException {
    Path dir = Path.of(EngineClient.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .resolve("dev/omg/client");
    List<Class<?>> types = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".class") && !f.toString().contains("$")).toList()) {
        String name = "dev.omg.client." + file.getFileName().toString().replace(".class", "");
        try {
          Class<?> type = Class.forName(name);
          if (Modifier.isPublic(type.getModifiers())) {
            types.add(type);
          }
        } catch (ClassNotFoundException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return types;
  }
}
