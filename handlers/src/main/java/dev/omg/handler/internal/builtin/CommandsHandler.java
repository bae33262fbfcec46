package dev.omg.handler.internal.builtin;

import dev.omg.handler.CommandInfo;
import dev.omg.handler.Handler;
import dev.omg.handler.HandlerContext;
import dev.omg.handler.HandlerMessage;
import dev.omg.handler.HandlerRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * {@code commands}: the registered commands in name order, each a map of {@code command}, {@code class},
 * {@code instances}, {@code dispatcher} ("" for the default), {@code timeout-ms}, {@code max-queued} and
 * {@code payload-types} (a list), and for a command served by worker nodes its {@code cluster-role}.
 */
public final class CommandsHandler extends Handler {
  public CommandsHandler(ActorContext<HandlerMessage> context, HandlerContext handlerContext) {
    super(context, handlerContext);
  }

  @Override
  protected void handle(HandlerRequest request) {
    List<Map<String, Object>> commands = new ArrayList<>();
    for (CommandInfo info : handlerContext().engine().commands()) {
      Map<String, Object> command = new LinkedHashMap<>();
      command.put("command", info.command());
      command.put("class", info.handlerClass());
      command.put("instances", info.instances());
      command.put("dispatcher", info.dispatcher());
      command.put("timeout-ms", info.timeout().toMillis());
      command.put("max-queued", info.maxQueued());
      command.put("payload-types", new ArrayList<>(info.payloadTypes()));
      if (!info.clusterRole().isEmpty()) {
        command.put("cluster-role", info.clusterRole());
      }
      commands.add(command);
    }
    request.reply(commands);
  }
}
