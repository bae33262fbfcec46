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
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
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

  /**
   * Deepest nesting of lists and maps in one payload value: a list or map that is the payload is level 1, one
   * inside it level 2, and so on. Level 65 is malformed on the way in and refused on the way out.
   */
  public static final int MAX_DEPTH = 64;

  /**
   * The decode budget: a frame of N bytes may decode to at most {@code DECODE_BUDGET_FACTOR * N} bytes of heap,
   * object headers included (HotSpot 64-bit, compressed references). 40 is above the costliest honest encoding
   * (an empty map: 2 bytes on the wire, 68 bytes on the heap with its list slot on Java 21+, 60 on 17), so only
   * lying counts hit it, with room for a JVM whose objects are a little larger.
   */
  public static final int DECODE_BUDGET_FACTOR = 40;

  /** Kryo's marker for "a class name follows": never followed here. */
  static final int CLASS_NAME_TAG = 1;

  private WireFormat() {}

  /** The classes the protocol registers itself; an application may not register them again under its own id. */
  public static final Set<Class<?>> STANDARD_TYPES = Set.of(Integer.class, String.class, Float.class,
      Boolean.class, Byte.class, Character.class, Short.class, Long.class, Double.class, Hello.class,
      Request.class, Response.class, Progress.class, Cancel.class, StreamRequest.class, byte[].class,
      ArrayList.class, LinkedHashMap.class, HashMap.class);

  /** A Kryo instance that knows exactly the protocol's types and nothing else. */
  static ProtocolKryo newKryo(Map<Integer, Class<?>> userTypes) {
    ProtocolKryo kryo = new ProtocolKryo();
    kryo.setRegistrationRequired(true);
    kryo.setReferences(false);
    // Lists and maps count their own levels (MAX_DEPTH); this bounds user types' fields, which they do not see.
    kryo.setMaxDepth(MAX_DEPTH + 2);
    kryo.register(int.class, new IntSerializer(), INT);
    kryo.register(boolean.class, new BooleanSerializer(), BOOLEAN);
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

  /**
   * One Kryo per decoding thread, with the state of the frame being decoded: its heap budget, the nesting depth of
   * lists and maps, and a strict UTF-8 decoder.
   */
  static final class ProtocolKryo extends Kryo {
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    private long budget;
    private long charged;
    private int frameLength;
    private int depth;

    ProtocolKryo() {
      super(new ProtocolClassResolver(), null);
    }

    /** Starts a frame of {@code length} bytes: a fresh budget and depth. */
    void startFrame(int length) {
      frameLength = length;
      budget = (long) DECODE_BUDGET_FACTOR * length;
      charged = 0;
      depth = 0;
    }

    /** Heap charged for the frame decoded last. */
    long charged() {
      return charged;
    }

    /** Charges {@code bytes} of heap against the frame's budget before they are allocated. */
    void charge(long bytes) {
      charged += bytes;
      if (charged > budget) {
        throw new KryoException("the payload would decode to more than " + budget + " bytes of heap, the decode"
            + " budget of " + DECODE_BUDGET_FACTOR + " x the frame's " + frameLength + " bytes");
      }
    }

    void enterContainer() {
      if (++depth > MAX_DEPTH) {
        throw new KryoException("the payload nests lists and maps deeper than " + MAX_DEPTH + " levels");
      }
    }

    void exitContainer() {
      depth--;
    }
  }

  /**
   * Writes any {@link List} as {@link #LIST} and any {@link Map} as {@link #MAP}, so {@code List.of(..)} works.
   * Reads only registration ids: the class-by-name path Kryo's resolver inherits is never taken, so nothing from
   * the wire names a class and Kryo's name-id cache never grows.
   */
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

    @Override
    public Registration readClass(Input input) {
      int tag = readVarInt32(input, "type tag");
      if (tag == Kryo.NULL) {
        return null;
      }
      if (tag == CLASS_NAME_TAG) {
        throw new KryoException("class names are not accepted on the wire (tag 01)");
      }
      int id = tag - 2;
      Registration registration = id < 0 ? null : idToRegistration.get(id);
      if (registration == null) {
        throw new KryoException("unregistered type id " + Integer.toUnsignedString(id) + " (tag "
            + Integer.toUnsignedString(tag) + ")");
      }
      // Kryo counts the envelope itself as depth 1: anything deeper is a value inside it.
      if (id >= HELLO && id <= STREAM_REQUEST && kryo.getDepth() > 1) {
        throw new KryoException("an envelope (" + registration.getType().getSimpleName() + ", tag "
            + String.format("%02x", tag) + ") is not a value");
      }
      ((ProtocolKryo) kryo).charge(heapCost(id));
      return registration;
    }

    @Override
    protected Registration readName(Input input) {
      throw new KryoException("class names are not accepted on the wire (tag 01)");
    }
  }

  /**
   * The heap a value of registration {@code id} takes before its variable part (string and byte array contents,
   * list and map contents are charged as their lengths are read): an object header plus fields, 8-byte aligned.
   */
  static long heapCost(int id) {
    return switch (id) {
      case INT, FLOAT, BOOLEAN, BYTE, CHAR, SHORT -> 16;
      case LONG, DOUBLE, HELLO, CANCEL -> 24;
      case REQUEST, STREAM_REQUEST, PROGRESS -> 32;
      case RESPONSE -> 40;
      case STRING, BYTES, LIST, MAP, HASH_MAP -> 0;
      default -> 64; // a user type: its fields are charged as they are read, this is its header and slots
    };
  }

  // ---- field encodings shared by the serializers ----

  /**
   * Reads an unsigned varint of at most 32 bits: 7 bits a byte, least significant first, at most 5 bytes, the 5th
   * carrying the top 4 bits. More bits than 32 are refused rather than dropped.
   */
  static int readVarInt32(Input input, String what) {
    int result = 0;
    for (int shift = 0; ; shift += 7) {
      if (input.position() >= input.limit()) {
        throw new KryoException(what + ": the varint runs past the end of the frame");
      }
      int b = input.readByte() & 0xFF;
      if (shift == 28 && b > 0x0F) {
        throw new KryoException(what + ": the varint holds more than 32 bits");
      }
      result |= (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return result;
      }
    }
  }

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

  static String readString(Kryo kryo, Input input) {
    int lengthPlusOne = readVarInt32(input, "string length");
    if (lengthPlusOne == 0) {
      return null;
    }
    int length = checkLength(input, Integer.toUnsignedLong(lengthPlusOne) - 1, 1, "string");
    if (length == 0) {
      return "";
    }
    ProtocolKryo protocol = (ProtocolKryo) kryo;
    // The String, its array, and the decoder's char buffer: at most 2 bytes per UTF-8 byte.
    protocol.charge(40 + 2L * length);
    CharsetDecoder utf8 = protocol.utf8.reset();
    ByteBuffer in = ByteBuffer.wrap(input.getBuffer(), input.position(), length);
    CharBuffer out = CharBuffer.allocate(length);
    CoderResult result = utf8.decode(in, out, true);
    if (!result.isError()) {
      result = utf8.flush(out);
    }
    if (result.isError()) {
      throw new KryoException("string is not valid UTF-8: a malformed sequence at byte "
          + (in.position() - input.position()) + " of " + length);
    }
    input.setPosition(input.position() + length);
    return out.flip().toString();
  }

  /**
   * Reads a length or count and refuses it before anything is allocated when it claims more than the frame
   * still holds: every element takes at least {@code minBytesEach} bytes, so a larger count can only be a lie.
   */
  static int readLength(Input input, int minBytesEach, String what) {
    return checkLength(input, Integer.toUnsignedLong(readVarInt32(input, what + " length")), minBytesEach, what);
  }

  private static int checkLength(Input input, long claimed, int minBytesEach, String what) {
    int left = input.limit() - input.position();
    if (claimed * minBytesEach > left) {
      throw new KryoException(what + " length " + claimed + " exceeds the " + left + " bytes left in the frame");
    }
    return (int) claimed;
  }

  /** int: a zigzag varint of at most 32 bits (Kryo's own drops a 5th byte's extra bits). */
  private static final class IntSerializer extends Serializer<Integer> {
    IntSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, Integer value) {
      output.writeVarInt(value, false);
    }

    @Override
    public Integer read(Kryo kryo, Input input, Class<? extends Integer> type) {
      int zigzag = readVarInt32(input, "int");
      return (zigzag >>> 1) ^ -(zigzag & 1);
    }
  }

  /** boolean: one byte, 01 true, 00 false; any other byte is malformed (Kryo's own reads it as false). */
  private static final class BooleanSerializer extends Serializer<Boolean> {
    BooleanSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, Boolean value) {
      output.writeByte(value ? 1 : 0);
    }

    @Override
    public Boolean read(Kryo kryo, Input input, Class<? extends Boolean> type) {
      int b = input.readByte() & 0xFF;
      if (b > 1) {
        throw new KryoException("boolean byte " + b + " is neither 00 nor 01");
      }
      return b == 1;
    }
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
      return readString(kryo, input);
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
      int version = readVarInt32(input, "hello version");
      return new Hello(version, readString(kryo, input));
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
      String command = readString(kryo, input);
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
      Status status = Status.fromCode(readVarInt32(input, "status"));
      Object payload = kryo.readClassAndObject(input);
      String error = readString(kryo, input);
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
      String command = readString(kryo, input);
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
      int length = readLength(input, 1, "byte array");
      ((ProtocolKryo) kryo).charge(16 + length);
      return input.readBytes(length);
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
      ProtocolKryo protocol = (ProtocolKryo) kryo;
      protocol.enterContainer();
      output.writeVarInt(list.size(), true);
      for (Object element : list) {
        kryo.writeClassAndObject(output, element);
      }
      protocol.exitContainer();
    }

    @Override
    public List read(Kryo kryo, Input input, Class<? extends List> type) {
      ProtocolKryo protocol = (ProtocolKryo) kryo;
      protocol.enterContainer();
      int count = readLength(input, 1, "list");
      // The ArrayList, and its array of one 4-byte reference per element: charged before it is allocated.
      protocol.charge(24 + (count == 0 ? 0 : 16 + 4L * count));
      List list = count == 0 ? new ArrayList() : new ArrayList(count);
      for (int i = 0; i < count; i++) {
        list.add(kryo.readClassAndObject(input));
      }
      protocol.exitContainer();
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
      ProtocolKryo protocol = (ProtocolKryo) kryo;
      protocol.enterContainer();
      output.writeVarInt(map.size(), true);
      for (Object o : map.entrySet()) {
        Map.Entry entry = (Map.Entry) o;
        kryo.writeClassAndObject(output, entry.getKey());
        kryo.writeClassAndObject(output, entry.getValue());
      }
      protocol.exitContainer();
    }

    @Override
    public Map read(Kryo kryo, Input input, Class<? extends Map> type) {
      ProtocolKryo protocol = (ProtocolKryo) kryo;
      protocol.enterContainer();
      int count = readLength(input, 2, "map");
      int capacity = (int) Math.ceil(count / 0.75);
      // The LinkedHashMap (56 bytes on Java 17, 64 from 21), its table (a power of two of 4-byte slots) and a
      // 40-byte entry per pair.
      protocol.charge(64 + (count == 0 ? 0 : 16 + 4L * tableSize(capacity) + 40L * count));
      Map map = new LinkedHashMap(capacity);
      for (int i = 0; i < count; i++) {
        Object key = kryo.readClassAndObject(input);
        map.put(key, kryo.readClassAndObject(input));
      }
      protocol.exitContainer();
      return map;
    }

    private static int tableSize(int capacity) {
      return capacity <= 1 ? 1 : Integer.highestOneBit(capacity - 1) << 1;
    }
  }
}
