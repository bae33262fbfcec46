package dev.omg.handler.internal;

import dev.omg.handler.CommandInfo;
import dev.omg.handler.CommandStats;
import dev.omg.handler.EngineInfo;
import dev.omg.handler.EngineStats;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;

/** A fixed engine for handler tests: known counters, and it records shutdown requests. */
public final class TestEngine implements EngineInfo {
  public final List<String> shutdownRequests = new CopyOnWriteArrayList<>();
  private final Instant started = Instant.now().minusSeconds(90);

  @Override
  public String version() {
    return "9.9.9";
  }

  @Override
  public Instant startedAt() {
    return started;
  }

  @Override
  public long pid() {
    return 4242;
  }

  @Override
  public EngineStats stats() {
    return new EngineStats(2, 17, 1, 5, 3,
        List.of(new CommandStats("echo", 10, 2, 1, 1, 4, 150, 900, 2500, 4000)));
  }

  @Override
  public List<CommandInfo> commands() {
    return List.of(new CommandInfo("echo", "dev.omg.handler.internal.builtin.EchoHandler", 2, "", Duration.ofSeconds(5), 64,
        List.of("list")));
  }

  @Override
  public void requestShutdown(String reason) {
    shutdownRequests.add(reason);
  }
}
