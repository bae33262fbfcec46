"""The omg-engine wire protocol, version 1, written from docs/protocol.md alone (standard library only).

Values are typed, as the wire is: a decoded value is None or a pair (kind, value), where kind is one of
int, long, float, double, boolean, byte, short, char, string, bytes, list, map. A list's value is a Python list of
values; a map's is a list of (key, value) pairs in wire order. Envelopes are dicts with a "type" key.
"""

import struct

PROTOCOL_VERSION = 1
MAX_DEPTH = 64

STATUS_CODES = {
    "OK": 0, "UNKNOWN_COMMAND": 1, "BAD_REQUEST": 2, "HANDLER_ERROR": 3, "TIMEOUT": 4, "OVERLOADED": 5,
    "CANCELLED": 6, "UNAUTHORIZED": 7, "PROTOCOL_ERROR": 8, "VERSION_MISMATCH": 9, "SHUTTING_DOWN": 10,
    "UNAVAILABLE": 11,
}
STATUS_NAMES = {code: name for name, code in STATUS_CODES.items()}

# Registration id -> tag byte is id + 2; tag 0 is null.
TAGS = {
    "int": 0x02, "string": 0x03, "float": 0x04, "boolean": 0x05, "byte": 0x06, "char": 0x07, "short": 0x08,
    "long": 0x09, "double": 0x0a, "Hello": 0x0c, "Request": 0x0d, "Response": 0x0e, "Progress": 0x0f,
    "Cancel": 0x10, "StreamRequest": 0x11, "bytes": 0x16, "list": 0x17, "map": 0x18,
}
KINDS = {tag: kind for kind, tag in TAGS.items()}
KINDS[0x19] = "map"  # the second map id: read as a map, never written


class Malformed(Exception):
    """The bytes are not a well-formed payload."""


# ---- primitives ----

def varint32(value):
    """Unsigned varint of a 32-bit value: 7 bits a byte, least significant first, high bit = more follows."""
    value &= 0xFFFFFFFF
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def varint64(value):
    """Unsigned 64-bit varint: up to 8 bytes of 7 bits; a 9th byte, when needed, carries 8 whole bits."""
    value &= 0xFFFFFFFFFFFFFFFF
    out = bytearray()
    for _ in range(8):
        if value < 0x80:
            out.append(value)
            return bytes(out)
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)  # 64 - 56 = 8 bits left, all in the 9th byte
    return bytes(out)


def zigzag32(n):
    return ((n << 1) ^ (n >> 31)) & 0xFFFFFFFF


def zigzag64(n):
    return ((n << 1) ^ (n >> 63)) & 0xFFFFFFFFFFFFFFFF


def unzigzag(z):
    return (z >> 1) ^ -(z & 1)


def string_bytes(text):
    if text is None:
        return b"\x00"
    data = text.encode("utf-8")
    return varint32(len(data) + 1) + data


class Reader:
    def __init__(self, data):
        self.data = data
        self.pos = 0
        self.depth = 0

    def left(self):
        return len(self.data) - self.pos

    def take(self, n, what):
        if n > self.left():
            raise Malformed("%s needs %d bytes, %d left" % (what, n, self.left()))
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def varint32(self, what):
        result = 0
        for i in range(5):
            b = self.take(1, what)[0]
            if i == 4 and b > 0x0F:
                raise Malformed("%s: varint holds more than 32 bits" % what)
            result |= (b & 0x7F) << (7 * i)
            if not b & 0x80:
                return result
        raise Malformed("unreachable")

    def varint64(self, what):
        result = 0
        for i in range(8):
            b = self.take(1, what)[0]
            result |= (b & 0x7F) << (7 * i)
            if not b & 0x80:
                return result
        return result | (self.take(1, what)[0] << 56)

    def int64le(self, what):
        return struct.unpack("<q", self.take(8, what))[0]

    def length(self, what, min_bytes_each=1):
        n = self.varint32(what + " length")
        if n * min_bytes_each > self.left():
            raise Malformed("%s length %d exceeds the %d bytes left" % (what, n, self.left()))
        return n

    def string(self, what):
        n = self.varint32(what + " length")
        if n == 0:
            return None
        n -= 1
        if n > self.left():
            raise Malformed("%s length %d exceeds the %d bytes left" % (what, n, self.left()))
        raw = self.take(n, what)
        try:
            return raw.decode("utf-8", errors="strict")
        except UnicodeDecodeError as e:
            raise Malformed("%s is not valid UTF-8: %s" % (what, e))


# ---- values ----

def encode_value(value):
    if value is None:
        return b"\x00"
    kind, v = value
    tag = bytes([TAGS[kind]])
    if kind == "int":
        return tag + varint32(zigzag32(v))
    if kind == "long":
        return tag + varint64(zigzag64(v))
    if kind == "string":
        return tag + string_bytes(v)
    if kind == "float":
        return tag + struct.pack("<f", v)
    if kind == "double":
        return tag + struct.pack("<d", v)
    if kind == "boolean":
        return tag + (b"\x01" if v else b"\x00")
    if kind == "byte":
        return tag + struct.pack("<b", v)
    if kind == "short":
        return tag + struct.pack("<h", v)
    if kind == "char":
        return tag + struct.pack("<H", ord(v))
    if kind == "bytes":
        return tag + varint32(len(v)) + bytes(v)
    if kind == "list":
        return tag + varint32(len(v)) + b"".join(encode_value(e) for e in v)
    if kind == "map":
        return tag + varint32(len(v)) + b"".join(encode_value(k) + encode_value(e) for k, e in v)
    raise ValueError("no such kind: %r" % kind)


def read_value(r):
    tag = r.varint32("type tag")
    if tag == 0:
        return None
    if tag == 1:
        raise Malformed("class names are not accepted (tag 01)")
    kind = KINDS.get(tag)
    if kind is None or kind[0].isupper():
        raise Malformed("tag %d is not a payload type" % tag)
    if kind == "int":
        return ("int", unzigzag(r.varint32("int")))
    if kind == "long":
        return ("long", unzigzag(r.varint64("long")))
    if kind == "string":
        s = r.string("string")
        if s is None:
            raise Malformed("a string value is never null inside")
        return ("string", s)
    if kind == "float":
        return ("float", struct.unpack("<f", r.take(4, "float"))[0])
    if kind == "double":
        return ("double", struct.unpack("<d", r.take(8, "double"))[0])
    if kind == "boolean":
        b = r.take(1, "boolean")[0]
        if b > 1:
            raise Malformed("boolean byte %d" % b)
        return ("boolean", b == 1)
    if kind == "byte":
        return ("byte", struct.unpack("<b", r.take(1, "byte"))[0])
    if kind == "short":
        return ("short", struct.unpack("<h", r.take(2, "short"))[0])
    if kind == "char":
        return ("char", chr(struct.unpack("<H", r.take(2, "char"))[0]))
    if kind == "bytes":
        return ("bytes", bytes(r.take(r.length("bytes"), "bytes")))
    r.depth += 1
    if r.depth > MAX_DEPTH:
        raise Malformed("nested deeper than %d" % MAX_DEPTH)
    if kind == "list":
        n = r.length("list")
        result = ("list", [read_value(r) for _ in range(n)])
    else:
        n = r.length("map", 2)
        result = ("map", [(read_value(r), read_value(r)) for _ in range(n)])
    r.depth -= 1
    return result


# ---- envelopes ----

def encode_envelope(env):
    t = env["type"]
    out = bytearray([TAGS[t]])
    if t == "Hello":
        out += varint32(env["protocolVersion"]) + string_bytes(env["agent"])
    elif t in ("Request", "StreamRequest"):
        out += struct.pack("<q", env["id"]) + string_bytes(env["command"]) + encode_value(env["payload"])
    elif t == "Response":
        out += struct.pack("<q", env["id"]) + varint32(STATUS_CODES[env["status"]])
        out += encode_value(env["payload"]) + string_bytes(env["error"]) + varint64(env["retryAfterMillis"])
    elif t == "Progress":
        out += struct.pack("<q", env["id"]) + varint64(env["seq"]) + encode_value(env["payload"])
    elif t == "Cancel":
        out += struct.pack("<q", env["id"])
    else:
        raise ValueError("no such envelope: %r" % t)
    return bytes(out)


def decode_envelope(payload):
    if not payload:
        raise Malformed("empty payload")
    r = Reader(payload)
    tag = r.varint32("envelope tag")
    t = KINDS.get(tag)
    if t is None or not t[0].isupper():
        raise Malformed("tag %d is not an envelope" % tag)
    env = {"type": t}
    if t == "Hello":
        env["protocolVersion"] = r.varint32("version")
        env["agent"] = r.string("agent")
    elif t in ("Request", "StreamRequest"):
        env["id"] = r.int64le("id")
        env["command"] = r.string("command")
        env["payload"] = read_value(r)
    elif t == "Response":
        env["id"] = r.int64le("id")
        code = r.varint32("status")
        env["status"] = STATUS_NAMES.get(code, "UNKNOWN(%d)" % code)
        env["payload"] = read_value(r)
        env["error"] = r.string("error")
        env["retryAfterMillis"] = r.varint64("retryAfterMillis")
    elif t == "Progress":
        env["id"] = r.int64le("id")
        env["seq"] = r.varint64("seq")
        env["payload"] = read_value(r)
    elif t == "Cancel":
        env["id"] = r.int64le("id")
    if r.left():
        raise Malformed("%d bytes after the envelope" % r.left())
    return env


def frame(payload):
    return struct.pack(">i", len(payload)) + payload


# ---- the conformance file's JSON notation ----

def value_from_json(j):
    if j is None:
        return None
    (kind, v), = j.items()
    if kind == "list":
        return ("list", [value_from_json(e) for e in v])
    if kind == "map":
        return ("map", [(value_from_json(k), value_from_json(e)) for k, e in v])
    if kind == "bytes":
        return ("bytes", bytes.fromhex(v))
    return (kind, v)


def envelope_from_json(j):
    (t, fields), = j.items()
    env = {"type": t}
    for key, v in fields.items():
        env[key] = value_from_json(v) if key == "payload" else v
    return env


def same_value(a, b):
    """Equality of typed values; floats by their bits, as NaN and -0.0 must survive."""
    if a is None or b is None:
        return a is b
    if a[0] != b[0]:
        return False
    kind = a[0]
    if kind == "float":
        return struct.pack("<f", a[1]) == struct.pack("<f", b[1])
    if kind == "double":
        return struct.pack("<d", a[1]) == struct.pack("<d", b[1])
    if kind == "list":
        return len(a[1]) == len(b[1]) and all(same_value(x, y) for x, y in zip(a[1], b[1]))
    if kind == "map":
        return len(a[1]) == len(b[1]) and all(
            same_value(k1, k2) and same_value(v1, v2) for (k1, v1), (k2, v2) in zip(a[1], b[1]))
    return a[1] == b[1]


def same_envelope(a, b):
    if a.keys() != b.keys():
        return False
    return all(same_value(a[k], b[k]) if k == "payload" else a[k] == b[k] for k in a)
