package dev.omg.handler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.omg.handler.internal.HandlerDefinition;
import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
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
 * The handler API package is what handler authors compile against: its public types are a known list, their
 * public and protected signatures name only the API, the wire's {@code Status}, the JDK, Typesafe Config and
 * Pekko's typed actors, and its sources import nothing of the engine's internals (so there is no import loop).
 */
class ApiSurfaceTest {
  private static final String API = "dev.omg.handler";
  private static final List<String> ALLOWED = List.of("java.", "dev.omg.protocol.Status", "com.typesafe.config.",
      "org.apache.pekko.actor.typed.");

  @Test
  void thePublicTypesAreTheDocumentedOnes() throws Exception {
    assertEquals(Set.of("CommandInfo", "CommandStats", "EngineInfo", "EngineStats", "Handler", "HandlerContext",
        "HandlerMessage", "HandlerReply", "HandlerRequest", "Peer"), publicTypes().stream()
        .map(Class::getSimpleName).collect(TreeSet::new, Set::add, Set::addAll));
  }

  @Test
  void publicSignaturesNameNoInternalType() throws Exception {
    Set<String> leaks = new TreeSet<>();
    for (Class<?> type : publicTypes()) {
      leaks.addAll(leaks(type));
    }
    assertEquals(Set.of(), leaks);
  }

  @Test
  void theCheckFindsAnInternalTypeInASignature() {
    assertEquals(Set.of("Leaky.definition() returns " + HandlerDefinition.class.getName()), leaks(Leaky.class));
  }

  @Test
  void theApiSourcesImportNothingFromTheEnginesInternals() throws IOException {
    List<String> imports = new ArrayList<>();
    try (Stream<Path> sources = Files.list(Path.of("src/main/java/dev/omg/handler"))) {
      for (Path source : sources.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
        Files.readAllLines(source).stream()
            .filter(line -> line.startsWith("import dev.omg.") && !line.startsWith("import dev.omg.protocol.Status;"))
            .forEach(line -> imports.add(source.getFileName() + ": " + line));
      }
    }
    assertEquals(List.of(), imports);
  }

  /** A type that leaks an internal one, to show the check can fail. */
  public static final class Leaky {
    public HandlerDefinition definition() {
      return null;
    }
  }

  /** Every public top-level or nested type compiled into the API package (not its subpackages). */
  private static List<Class<?>> publicTypes() throws IOException, URISyntaxException, ClassNotFoundException {
    Path classes = Path.of(Handler.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .resolve(API.replace('.', '/'));
    List<Class<?>> types = new ArrayList<>();
    try (Stream<Path> files = Files.list(classes)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
        String name = file.getFileName().toString();
        Class<?> type = Class.forName(API + "." + name.substring(0, name.length() - ".class".length()));
        if (Modifier.isPublic(type.getModifiers()) && !type.isAnonymousClass() && !type.isSynthetic()) {
          types.add(type);
        }
      }
    }
    return types;
  }

  /** What {@code type}'s public and protected members and supertypes name outside the allowed packages. */
  private static Set<String> leaks(Class<?> type) {
    Set<String> leaks = new TreeSet<>();
    String at = type.getSimpleName();
    check(leaks, at + " extends", type.getGenericSuperclass());
    for (Type implemented : type.getGenericInterfaces()) {
      check(leaks, at + " implements", implemented);
    }
    for (Constructor<?> constructor : type.getDeclaredConstructors()) {
      if (visible(constructor.getModifiers())) {
        for (Type parameter : constructor.getGenericParameterTypes()) {
          check(leaks, at + "() takes", parameter);
        }
      }
    }
    for (Method method : type.getDeclaredMethods()) {
      if (visible(method.getModifiers()) && !method.isSynthetic()) {
        check(leaks, at + "." + method.getName() + "() returns", method.getGenericReturnType());
        for (Type parameter : method.getGenericParameterTypes()) {
          check(leaks, at + "." + method.getName() + "() takes", parameter);
        }
        for (Type thrown : method.getGenericExceptionTypes()) {
          check(leaks, at + "." + method.getName() + "() throws", thrown);
        }
      }
    }
    for (Field field : type.getDeclaredFields()) {
      if (visible(field.getModifiers())) {
        check(leaks, at + "." + field.getName() + " is", field.getGenericType());
      }
    }
    return leaks;
  }

  private static boolean visible(int modifiers) {
    return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
  }

  private static void check(Set<String> leaks, String where, Type type) {
    if (type == null) {
      return;
    }
    if (type instanceof Class<?> c) {
      Class<?> element = c;
      while (element.isArray()) {
        element = element.getComponentType();
      }
      String name = element.getName();
      boolean allowed = element.isPrimitive() || name.startsWith(API + ".") && !name.startsWith(API + ".internal.")
          || ALLOWED.stream().anyMatch(name::startsWith);
      if (!allowed) {
        leaks.add(where + " " + name);
      }
    } else if (type instanceof ParameterizedType p) {
      check(leaks, where, p.getRawType());
      for (Type argument : p.getActualTypeArguments()) {
        check(leaks, where, argument);
      }
    } else if (type instanceof WildcardType w) {
      Stream.concat(Stream.of(w.getUpperBounds()), Stream.of(w.getLowerBounds())).forEach(t -> check(leaks, where, t));
    } else if (type instanceof GenericArrayType a) {
      check(leaks, where, a.getGenericComponentType());
    } else if (type instanceof TypeVariable<?> v) {
      for (Type bound : v.getBounds()) {
        check(leaks, where, bound);
      }
    }
  }
}
