package com.example.pkgindex;

import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerRequest;
import dev.omg.protocol.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * {@code reindex [PACKAGES]}: rebuilds the search index (term to packages) over the catalogue, here the index's
 * real packages followed by generated ones up to PACKAGES (default: the block's {@code packages}), checksumming
 * every package as it goes. Pure CPU work, which is why pkgindex-cluster.conf moves it to worker nodes. It reports
 * progress ten times, stops between steps when the client cancelled, and answers a map: {@code packages},
 * {@code terms} and {@code digest} (the same for the same PACKAGES on every node, so a client can compare).
 */
public final class ReindexHandler extends Handler {
  /** The most PACKAGES one request may ask for: about a second of work, and a bound on the memory it takes. */
  static final int MAX_PACKAGES = 200_000;
  private static final Pattern NOT_IN_TERM = Pattern.compile("[^a-z0-9-]+");
  private static final int STEPS = 10;
  private static final String[] WORDS = {"fast", "simple", "search", "json", "process", "viewer", "regex",
      "directories", "syntax", "highlighting", "command-line", "interactive", "alternative", "clone", "index"};

  private final Catalog catalog;
  private final int defaultPackages;

  public ReindexHandler(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
    super(context, handlerContext);
    this.catalog = Catalog.from(handlerContext.config());
    this.defaultPackages = handlerContext.config().getInt("packages");
  }

  @Override
  protected void handle(HandlerRequest request) throws NoSuchAlgorithmException {
    Integer packages = packagesOf(request.payload());
    if (packages == null) {
      request.fail(Status.BAD_REQUEST, "usage: reindex [PACKAGES], PACKAGES from 1 to " + MAX_PACKAGES);
      return;
    }
    List<Catalog.Entry> entries = catalog.entries();
    MessageDigest checksum = MessageDigest.getInstance("SHA-256");
    Map<String, List<String>> index = new TreeMap<>();
    int step = Math.max(1, packages / STEPS);
    for (int done = 0; done < packages; ) {
      if (request.isCancelled()) {
        getContext().getLog().info("reindex cancelled after {} of {} packages", done, packages);
        return;
      }
      int end = Math.min(packages, done + step);
      for (int i = done; i < end; i++) {
        String name = i < entries.size() ? entries.get(i).name() : "pkg-" + i;
        String description = i < entries.size() ? entries.get(i).description() : generated(i);
        checksum.update((name + "\n" + description + "\n").getBytes(StandardCharsets.UTF_8));
        for (String term : NOT_IN_TERM.split(description.toLowerCase(Locale.ROOT))) {
          index.computeIfAbsent(term, t -> new ArrayList<>()).add(name);
        }
      }
      done = end;
      request.progress(Map.of("done", done, "total", packages, "message", "indexing"));
    }
    index.forEach((term, names) -> checksum.update((term + "=" + names.size() + "\n")
        .getBytes(StandardCharsets.UTF_8)));
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("packages", packages);
    result.put("terms", index.size());
    result.put("digest", HexFormat.of().formatHex(checksum.digest(), 0, 8));
    request.reply(result);
  }

  /** The description of generated package {@code i}: four words picked by {@code i}, the same on every node. */
  private static String generated(int i) {
    StringBuilder text = new StringBuilder("a");
    long seed = i * 0x9E3779B97F4A7C15L;
    for (int w = 0; w < 4; w++) {
      seed ^= seed >>> 29;
      seed *= 0xBF58476D1CE4E5B9L;
      text.append(' ').append(WORDS[(int) Long.remainderUnsigned(seed, WORDS.length)]);
    }
    return text.append(" tool ").append(i % 1000).toString();
  }

  /** None: the configured size; the CLI's arguments: one number; a Java client: an Integer. */
  private Integer packagesOf(Object payload) {
    if (payload == null || payload instanceof List<?> none && none.isEmpty()) {
      return defaultPackages;
    }
    Object value = payload instanceof List<?> words && words.size() == 1 ? words.get(0) : payload;
    try {
      int packages = value instanceof Integer number ? number : Integer.parseInt(String.valueOf(value));
      return packages >= 1 && packages <= MAX_PACKAGES ? packages : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
