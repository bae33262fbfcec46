package dev.omg.handler.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every Java sample in docs/handlers.md is a file this build compiles and tests: a block opened with
 * {@code ```java file=PATH} (or {@code ```hocon file=PATH} for a configuration the tests load) must equal that
 * file, so the tutorial cannot drift from code that works; and no Java block may go unchecked.
 */
class DocSamplesTest {
  private static final Path ROOT = Path.of("..");
  private static final Pattern SAMPLE = Pattern.compile("```(?:java|hocon) file=(\\S+)\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern UNCHECKED_JAVA = Pattern.compile("```java\\s*\\n");

  @Test
  void everyJavaSampleInTheHandlerGuideIsACompiledFile() throws IOException {
    Map<String, String> samples = new LinkedHashMap<>();
    String guide = Files.readString(ROOT.resolve("docs/handlers.md"));
    assertFalse(UNCHECKED_JAVA.matcher(guide).find(), "docs/handlers.md has a ```java block without file=PATH");
    Matcher matcher = SAMPLE.matcher(guide);
    while (matcher.find()) {
      samples.put(matcher.group(1), matcher.group(2));
    }
    assertFalse(samples.isEmpty(), "docs/handlers.md has no ```java file=... samples");
    for (Map.Entry<String, String> sample : samples.entrySet()) {
      assertEquals(Files.readString(ROOT.resolve(sample.getKey())), sample.getValue(),
          "the sample for " + sample.getKey() + " in docs/handlers.md");
    }
  }
}
