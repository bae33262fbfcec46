package dev.omg.routing.cluster;

import dev.omg.handler.Peer;
import dev.omg.protocol.Envelope;
import dev.omg.protocol.Progress;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.transport.KryoCodec;
import dev.omg.transport.MalformedPayloadException;
import dev.omg.transport.PayloadTooLargeException;
import dev.omg.transport.SerializationSettings;
import dev.omg.transport.TransportSettings;
import com.typesafe.config.Config;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.SerializerWithStringManifest;

/**
 * INTERNAL API. Serializes the {@link ClusterMessage}s between engine and workers, without Java serialization.
 * Each message is its fixed fields (big-endian longs, modified-UTF-8 strings, actor references as
 * {@link ActorRefResolver} strings), then, for those that carry a payload, one wire envelope (a
 * {@link Request}, {@link Response} or {@link Progress}) encoded by the socket's own {@link KryoCodec}: the same
 * registration (required, fixed ids, payload types from {@code omg.serialization.register}) and the same limits
 * on untrusted input ({@code omg.transport.max-frame-size}, the decode budget, the nesting depth).
 *
 * <p>Input is checked before anything is allocated for it: a message larger than the frame limit plus
 * {@link #MAX_FIELDS_SIZE}, an envelope longer than the frame limit or than what is left, an unknown manifest,
 * trailing bytes or a malformed envelope are refused with a {@link NotSerializableException}, which Pekko logs
 * and drops the message for.
 *
 * <p>A worker's reply whose payload cannot be encoded (an unregistered type, or larger than a frame) is sent as a
 * HANDLER_ERROR reply saying so, as the engine does for a local handler's; anything else that cannot be encoded
 * fails the send, which Pekko logs and drops (the request then ends by its deadline, TIMEOUT).
 */
public final class ClusterSerializer extends SerializerWithStringManifest {
  /** Pekko's id of this serializer; fixed, as it is written in every message between nodes. */
  public static final int IDENTIFIER = 1_500_015;
  /** Room for a message's fixed fields and references beside its envelope. */
  public static final int MAX_FIELDS_SIZE = 16 * 1024;

  static final String IDENTIFY = "I";
  static final String IDENTITY = "D";
  static final String WORK = "W";
  static final String CANCEL_WORK = "C";
  static final String WORK_REPLY = "R";
  static final String WORK_PROGRESS = "P";

  private final ExtendedActorSystem system;
  private final KryoCodec codec;
  private final int maxMessageSize;
  private volatile ActorRefResolver resolver;

  public ClusterSerializer(ExtendedActorSystem system) {
    this.system = system;
    Config config = system.settings().config();
    int maxFrameSize = TransportSettings.create(config).maxFrameSize;
    this.codec = new KryoCodec(maxFrameSize,
        SerializationSettings.create(config, system.dynamicAccess().classLoader()).userTypes);
    this.maxMessageSize = maxFrameSize + MAX_FIELDS_SIZE;
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object message) {
    if (message instanceof WorkerEndpoint.Identify) {
      return IDENTIFY;
    } else if (message instanceof ClusterCommand.Identity) {
      return IDENTITY;
    } else if (message instanceof WorkerEndpoint.Work) {
      return WORK;
    } else if (message instanceof WorkerEndpoint.CancelWork) {
      return CANCEL_WORK;
    } else if (message instanceof ClusterCommand.WorkReply) {
      return WORK_REPLY;
    } else if (message instanceof ClusterCommand.WorkProgress) {
      return WORK_PROGRESS;
    }
    throw new IllegalArgumentException("not a cluster message: " + message.getClass().getName());
  }

  @Override
  public byte[] toBinary(Object message) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    DataOutputStream out = new DataOutputStream(bytes);
    try {
      if (message instanceof WorkerEndpoint.Identify m) {
        writeRef(out, m.replyTo());
      } else if (message instanceof ClusterCommand.Identity m) {
        writeRef(out, m.worker());
        out.writeUTF(m.fingerprint());
        out.writeUTF(m.version());
      } else if (message instanceof WorkerEndpoint.Work m) {
        out.writeLong(m.key());
        writeRef(out, m.replyTo());
        out.writeLong(m.deadlineMillis());
        out.writeLong(m.peer().uid());
        out.writeLong(m.peer().gid());
        out.writeLong(m.peer().pid());
        out.writeBoolean(m.progress());
        writeEnvelope(out, new Request(m.requestId(), m.command(), m.payload()));
      } else if (message instanceof WorkerEndpoint.CancelWork m) {
        out.writeLong(m.key());
        writeRef(out, m.from());
      } else if (message instanceof ClusterCommand.WorkReply m) {
        out.writeLong(m.key());
        writeEncoded(out, encodeReply(m.response()));
      } else if (message instanceof ClusterCommand.WorkProgress m) {
        out.writeLong(m.key());
        writeEnvelope(out, new Progress(m.key(), 0, m.event()));
      } else {
        throw new IllegalArgumentException("not a cluster message: " + message.getClass().getName());
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    if (bytes.length > maxMessageSize) {
      throw new NotSerializableException("cluster message of " + bytes.length + " bytes is longer than "
          + maxMessageSize + " (omg.transport.max-frame-size + " + MAX_FIELDS_SIZE + ")");
    }
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
    try {
      Object message = switch (manifest) {
        case IDENTIFY -> new WorkerEndpoint.Identify(readRef(in));
        case IDENTITY -> new ClusterCommand.Identity(readRef(in), in.readUTF(), in.readUTF());
        case WORK -> {
          long key = in.readLong();
          ActorRef<ClusterCommand.Command> replyTo = readRef(in);
          long deadline = in.readLong();
          Peer peer = new Peer(in.readLong(), in.readLong(), in.readLong());
          boolean progress = in.readBoolean();
          Request request = readEnvelope(in, bytes, Request.class);
          yield new WorkerEndpoint.Work(key, request.id(), request.command(), request.payload(), deadline, peer,
              progress, replyTo);
        }
        case CANCEL_WORK -> new WorkerEndpoint.CancelWork(in.readLong(), readRef(in));
        case WORK_REPLY -> new ClusterCommand.WorkReply(in.readLong(), readEnvelope(in, bytes, Response.class));
        case WORK_PROGRESS -> new ClusterCommand.WorkProgress(in.readLong(),
            readEnvelope(in, bytes, Progress.class).payload());
        default -> throw new NotSerializableException("unknown manifest");
      };
      if (in.available() != 0) {
        throw new NotSerializableException(in.available() + " unexpected bytes after it");
      }
      return message;
    } catch (IOException | RuntimeException e) {
      NotSerializableException refused = new NotSerializableException("malformed cluster message (" + manifest
          + "): " + e.getMessage());
      refused.initCause(e);
      throw refused;
    }
  }

  /** The reply encoded, or a HANDLER_ERROR saying why its payload cannot cross to the engine. */
  private byte[] encodeReply(Response response) {
    try {
      return codec.encode(response);
    } catch (PayloadTooLargeException | IllegalArgumentException e) {
      return codec.encode(new Response(response.id(), Status.HANDLER_ERROR, null, "the worker's reply cannot be"
          + " sent to the engine: " + e.getMessage(), 0));
    }
  }

  private void writeEnvelope(DataOutputStream out, Envelope envelope) throws IOException {
    writeEncoded(out, codec.encode(envelope));
  }

  private static void writeEncoded(DataOutputStream out, byte[] encoded) throws IOException {
    out.writeInt(encoded.length);
    out.write(encoded);
  }

  private <T extends Envelope> T readEnvelope(DataInputStream in, byte[] bytes, Class<T> type) throws IOException {
    int length = in.readInt();
    int offset = bytes.length - in.available();
    if (length < 1 || length > codec.maxPayloadSize() || length > in.available()) {
      throw new NotSerializableException("envelope length " + length + " is outside 1.." + Math.min(
          codec.maxPayloadSize(), in.available()));
    }
    Envelope envelope;
    try {
      envelope = codec.decode(bytes, offset, length);
    } catch (MalformedPayloadException e) {
      throw new NotSerializableException("malformed envelope: " + e.getMessage());
    }
    if (!type.isInstance(envelope)) {
      throw new NotSerializableException("expected a " + type.getSimpleName() + " envelope, got "
          + envelope.getClass().getSimpleName());
    }
    in.skipBytes(length);
    return type.cast(envelope);
  }

  private void writeRef(DataOutputStream out, ActorRef<?> ref) throws IOException {
    out.writeUTF(resolver().toSerializationFormat(ref));
  }

  private <T> ActorRef<T> readRef(DataInputStream in) throws IOException {
    return resolver().resolveActorRef(in.readUTF());
  }

  /** Made on first use: the typed system may not be ready while Pekko creates its serializers. */
  private ActorRefResolver resolver() {
    ActorRefResolver resolved = resolver;
    if (resolved == null) {
      resolved = ActorRefResolver.get(Adapter.toTyped(system));
      resolver = resolved;
    }
    return resolved;
  }
}
