package dev.omg.transport;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import dev.omg.protocol.Cancel;
import dev.omg.protocol.Hello;
import dev.omg.protocol.Progress;
import dev.omg.protocol.Request;
import dev.omg.protocol.Response;
import dev.omg.protocol.Status;
import dev.omg.protocol.StreamRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * INTERNAL API. The registration ids and field layouts of everything that may appear in a frame's payload.
 * Ids are part of the protocol (docs/protocol.md): never renumber one, never reuse a retired one.
 *
 * <p>Kryo writes a registered class as the unsigned varint {@code id + 2} (0 means null), then the fields in
 * the order its serializer writes them. Kryo's own ids 0-9 cover the primitive wrappers.
 */
public final class WireFormat {
  static {
    // Kryo's sun.misc.Unsafe paths print "terminally deprecated" warnings on Java 24 and later, and the
    // registered serializers here do not need them. Kryo reads this switch once, when its Util class
    // initializes, which happens in newKryo below at the earliest; an explicit -Dkryo.unsafe still wins.
    if (System.getProperty("kryo.unsafe") == null) {
      System.setProperty("kryo.unsafe", "false");
    }
  }

  /** Kryo's built-in ids, listed because they are on the wire too. */
  public static final int INT = 0;
  public static final int STRING = 1;
  public static final int FLOAT = 2;
  public static final int BOOLEAN = 3;
  public static final int BYTE = 4;
  public static final int CHAR = 5;
  public static final int SHORT = 6;
  public static final int LONG = 7;
  public static final int DOUBLE = 8;

  /** Envelopes. 16-19 are reserved for future envelope kinds. */
  public static final int HELLO = 10;
  public static final int REQUEST = 11;
  public static final int RESPONSE = 12;
  /** Engine to client, only for a {@link #STREAM_REQUEST}: an event before the request's response. */
  public static final int PROGRESS = 13;
  /** Client to engine: cancel a request in flight. */
  public static final int CANCEL = 14;
  /** Client to engine: a request that accepts progress frames. */
  public static final int STREAM_REQUEST = 15;

  /** Standard payload types. 24-99 are reserved for future standard types. */
  public static final int BYTES = 20;
  public static final int LIST = 21;
  public static final int MAP = 22;
  public static final int HASH_MAP = 23;

  /** The first id applications may use for their own payload types. */
  public static final int FIRST_USER_ID = 100;

  /** Deepest nesting of lists, maps and user objects accepted in one payload. */
  public static final int MAX_DEPTH = 64;

  private WireFormat() {}

  /** The classes the protocol registers itself; an application may not register them again under its own id. */
  public static final Set<Class<?>> STANDARD_TYPES = Set.of(Integer.class, String.class, Float.class,
      Boolean.class, Byte.class, Character.class, Short.class, Long.class, Double.class, Hello.class,
      Request.class, Response.class, Progress.class, Cancel.class, StreamRequest.class, byte[].class,
      ArrayList.class, LinkedHashMap.class, HashMap.class);

  /** A Kryo instance that knows exactly the protocol's types and nothing else. */
  static Kryo newKryo(Map<Integer, Class<?>> userTypes) {
    Kryo kryo = new Kryo(new ProtocolClassResolver(), null);
    kryo.setRegistrationRequired(true);
    kryo.setReferences(false);
    kryo.setMaxDepth(MAX_DEPTH);
    kryo.register(String.class, new StringSerializer(), STRING);
    kryo.register(Hello.class, new HelloSerializer(), HELLO);
    kryo.register(Request.class, new RequestSerializer(), REQUEST);
    kryo.register(Response.class, new ResponseSerializer(), RESPONSE);
    kryo.register(Progress.class, new ProgressSerializer(), PROGRESS);
    kryo.register(Cancel.class, new CancelSerializer(), CANCEL);
    kryo.register(StreamRequest.class, new StreamRequestSerializer(), STREAM_REQUEST);
    kryo.register(byte[].class, new BytesSerializer(), BYTES);
    kryo.register(ArrayList.class, new ListSerializer(), LIST);
    kryo.register(LinkedHashMap.class, new MapSerializer(), MAP);
    kryo.register(HashMap.class, new MapSerializer(), HASH_MAP);
    userTypes.forEach((id, type) -> kryo.register(type, id));
    return kryo;
  }

  /** Writes any {@link List} as {@link #LIST} and any {@link Map} as {@link #MAP}, so {@code List.of(..)} works. */
  private static final class ProtocolClassResolver extends DefaultClassResolver {
    @Override
    public Registration getRegistration(Class type) {
      Registration registration = super.getRegistration(type);
      if (registration == null && type != null) {
        if (List.class.isAssignableFrom(type)) {
          return super.getRegistration(ArrayList.class);
        }
        if (Map.class.isAssignableFrom(type)) {
          return super.getRegistration(LinkedHashMap.class);
        }
      }
      return registration;
    }
  }

  // ---- field encodings shared by the serializers ----

  /** A nullable string: unsigned varint (byte length + 1), 0 for null, then that many UTF-8 bytes. */
  static void writeString(Output output, String value) {
    if (value == null) {
      output.writeVarInt(0, true);
      return;
    }
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    output.writeVarInt(bytes.length + 1, true);
    output.writeBytes(bytes);
  }

  static String readString(Input input) {
    int lengthPlusOne = input.readVarInt(true);
    if (lengthPlusOne == 0) {
      return null;
    }
    int length = checkLength(input, lengthPlusOne - 1, "string");
    String value = new String(input.getBuffer(), input.position(), length, StandardCharsets.UTF_8);
    input.setPosition(input.position() + length);
    return value;
  }

  /**
   * Reads a length or count and refuses it before anything is allocated when it claims more than the frame
   * still holds: every element takes at least one byte, so a larger count can only be a lie.
   */
  static int readLength(Input input, String what) {
    return checkLength(input, input.readVarInt(true), what);
  }

  private static int checkLength(Input input, int claimed, String what) {
    int left = input.limit() - input.position();
    if (claimed < 0 || claimed > left) {
      throw new KryoException(what + " length " + Integer.toUnsignedString(claimed)
          + " exceeds the " + left + " bytes left in the frame");
    }
    return claimed;
  }

  private static final class StringSerializer extends Serializer<String> {
    StringSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, String value) {
      writeString(output, value);
    }

    @Override
    public String read(Kryo kryo, Input input, Class<? extends String> type) {
      return readString(input);
    }
  }

  /** Hello: protocolVersion (varint), agent (string). */
  private static final class HelloSerializer extends Serializer<Hello> {
    HelloSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, Hello hello) {
      output.writeVarInt(hello.protocolVersion(), true);
      writeString(output, hello.agent());
    }

    @Override
    public Hello read(Kryo kryo, Input input, Class<? extends Hello> type) {
      int version = input.readVarInt(true);
      return new Hello(version, readString(input));
    }
  }

  /** Request: id (8-byte little-endian), command (string), payload (class + object). */
  private static final class RequestSerializer extends Serializer<Request> {
    RequestSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, Request request) {
      output.writeLong(request.id());
      writeString(output, request.command());
      kryo.writeClassAndObject(output, request.payload());
    }

    @Override
    public Request read(Kryo kryo, Input input, Class<? extends Request> type) {
      long id = input.readLong();
      String command = readString(input);
      return new Request(id, command, kryo.readClassAndObject(input));
    }
  }

  /** Response: id (8-byte LE), status (varint), payload (class + object), error (string), retryAfterMillis (varlong). */
  private static final class ResponseSerializer extends Serializer<Response> {
    ResponseSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, Response response) {
      output.writeLong(response.id());
      output.writeVarInt(response.status().code(), true);
      kryo.writeClassAndObject(output, response.payload());
      writeString(output, response.error());
      output.writeVarLong(response.retryAfterMillis(), true);
    }

    @Override
    public Response read(Kryo kryo, Input input, Class<? extends Response> type) {
      long id = input.readLong();
      Status status = Status.fromCode(input.readVarInt(true));
      Object payload = kryo.readClassAndObject(input);
      String error = readString(input);
      return new Response(id, status, payload, error, input.readVarLong(true));
    }
  }

  /** StreamRequest: as Request: id (8-byte LE), command (string), payload (class + object). */
  private static final class StreamRequestSerializer extends Serializer<StreamRequest> {
    StreamRequestSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, StreamRequest request) {
      output.writeLong(request.id());
      writeString(output, request.command());
      kryo.writeClassAndObject(output, request.payload());
    }

    @Override
    public StreamRequest read(Kryo kryo, Input input, Class<? extends StreamRequest> type) {
      long id = input.readLong();
      String command = readString(input);
      return new StreamRequest(id, command, kryo.readClassAndObject(input));
    }
  }

  /** Progress: id (8-byte LE), seq (varlong), payload (class + object). */
  private static final class ProgressSerializer extends Serializer<Progress> {
    ProgressSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, Progress progress) {
      output.writeLong(progress.id());
      output.writeVarLong(progress.seq(), true);
      kryo.writeClassAndObject(output, progress.payload());
    }

    @Override
    public Progress read(Kryo kryo, Input input, Class<? extends Progress> type) {
      long id = input.readLong();
      long seq = input.readVarLong(true);
      return new Progress(id, seq, kryo.readClassAndObject(input));
    }
  }

  /** Cancel: id (8-byte LE). */
  private static final class CancelSerializer extends Serializer<Cancel> {
    CancelSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, Cancel cancel) {
      output.writeLong(cancel.id());
    }

    @Override
    public Cancel read(Kryo kryo, Input input, Class<? extends Cancel> type) {
      return new Cancel(input.readLong());
    }
  }

  /** byte[]: length (varint), then the bytes. */
  private static final class BytesSerializer extends Serializer<byte[]> {
    BytesSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, byte[] bytes) {
      output.writeVarInt(bytes.length, true);
      output.writeBytes(bytes);
    }

    @Override
    public byte[] read(Kryo kryo, Input input, Class<? extends byte[]> type) {
      return input.readBytes(readLength(input, "byte array"));
    }
  }

  /** List: count (varint), then each element as class + object. Read back as {@link ArrayList}. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  private static final class ListSerializer extends Serializer<List> {
    ListSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, List list) {
      output.writeVarInt(list.size(), true);
      for (Object element : list) {
        kryo.writeClassAndObject(output, element);
      }
    }

    @Override
    public List read(Kryo kryo, Input input, Class<? extends List> type) {
      int count = readLength(input, "list");
      List list = new ArrayList(count);
      for (int i = 0; i < count; i++) {
        list.add(kryo.readClassAndObject(input));
      }
      return list;
    }
  }

  /** Map: count (varint), then each key and value as class + object. Read back as {@link LinkedHashMap}. */
  @SuppressWarnings({"rawtypes", "unchecked"})
  private static final class MapSerializer extends Serializer<Map> {
    MapSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, Map map) {
      output.writeVarInt(map.size(), true);
      for (Object o : map.entrySet()) {
        Map.Entry entry = (Map.Entry) o;
        kryo.writeClassAndObject(output, entry.getKey());
        kryo.writeClassAndObject(output, entry.getValue());
      }
    }

    @Override
    public Map read(Kryo kryo, Input input, Class<? extends Map> type) {
      int count = readLength(input, "map");
      Map map = new LinkedHashMap(count * 2);
      for (int i = 0; i < count; i++) {
        Object key = kryo.readClassAndObject(input);
        map.put(key, kryo.readClassAndObject(input));
      }
      return map;
    }
  }
}
