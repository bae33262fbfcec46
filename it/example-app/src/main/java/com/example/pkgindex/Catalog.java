package com.example.pkgindex;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The package index: a fixed list of packages, and the directory they are installed into (one file per
 * installed package). Shared by the three handlers through their config blocks; safe from any thread.
 */
final class Catalog {
  /** A package the index offers; {@code chunks} is how many steps its download takes. */
  record Entry(String name, String version, String description, int chunks) {}

  private static final Map<String, Entry> PACKAGES = new TreeMap<>(Map.of(
      "bat", new Entry("bat", "0.24.0", "a cat clone with syntax highlighting", 4),
      "fd", new Entry("fd", "9.0.0", "a simple, fast alternative to find", 3),
      "jq", new Entry("jq", "1.7.1", "a command-line JSON processor", 3),
      "ripgrep", new Entry("ripgrep", "14.1.0", "recursively search directories for a regex", 5),
      "htop", new Entry("htop", "3.3.0", "an interactive process viewer", 10)));

  private final Path installDir;

  private Catalog(Path installDir) {
    this.installDir = installDir;
  }

  /** The catalog a handler's config block names with {@code install-dir}. */
  static Catalog from(Config config) {
    return new Catalog(Path.of(config.getString("install-dir")));
  }

  /** Every package the index offers, in name order. */
  List<Entry> entries() {
    return List.copyOf(PACKAGES.values());
  }

  Optional<Entry> find(String name) {
    return Optional.ofNullable(PACKAGES.get(name));
  }

  /** Packages whose name or description contains {@code text}, ignoring case, in name order. */
  List<Entry> search(String text) {
    String needle = text.toLowerCase(Locale.ROOT);
    return PACKAGES.values().stream()
        .filter(e -> e.name().contains(needle) || e.description().toLowerCase(Locale.ROOT).contains(needle))
        .toList();
  }

  Path pathOf(String name) {
    return installDir.resolve(name);
  }

  boolean isInstalled(String name) {
    return Files.isRegularFile(pathOf(name));
  }

  /** Appends one downloaded chunk to the package's partial file. */
  void writeChunk(Entry entry, int chunk) throws IOException {
    Files.createDirectories(installDir);
    Files.writeString(partial(entry.name()), "chunk " + chunk + "\n", StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
  }

  /** Makes the partial file the installed package. */
  Path complete(Entry entry) throws IOException {
    return Files.move(partial(entry.name()), pathOf(entry.name()),
        StandardCopyOption.REPLACE_EXISTING);
  }

  /** Removes what an interrupted install left. */
  void discard(String name) throws IOException {
    Files.deleteIfExists(partial(name));
  }

  private Path partial(String name) {
    return installDir.resolve(name + ".partial");
  }
}
