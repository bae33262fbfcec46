#!/usr/bin/env python3
"""A second client of omg-engine, written from docs/protocol.md and docs/protocol-vectors.json alone.

    python3 check.py --vectors docs/protocol-vectors.json                 # the conformance file, offline
    python3 check.py --vectors docs/protocol-vectors.json --socket PATH   # and a live session, ending in stop

The live session needs an engine with the probe command enabled and a probe timeout of 2 s:
    omg.handlers.probe { class = "dev.omg.handler.internal.builtin.ProbeHandler", timeout = 2s }
It stops the engine at the end. Exit status 0 when every check passed, 1 otherwise.
"""

import argparse
import json
import socket
import struct
import sys
import time

from omg_wire import (Malformed, PROTOCOL_VERSION, decode_envelope, encode_envelope, envelope_from_json, frame,
                      same_envelope, same_value, value_from_json)

READ_TIMEOUT = 10.0


class Failure(Exception):
    pass


def check(condition, message):
    if not condition:
        raise Failure(message)


# ---- offline: every entry of the conformance file ----

def run_vectors(doc):
    for vector in doc["vectors"]:
        name = vector["name"]
        data = bytes.fromhex(vector["hex"].replace(" ", ""))
        expected = envelope_from_json(vector["envelope"])
        (length,) = struct.unpack(">i", data[:4])
        check(length == len(data) - 4, "%s: length header %d, payload %d bytes" % (name, length, len(data) - 4))
        decoded = decode_envelope(data[4:])
        check(same_envelope(decoded, expected), "%s: decoded %r, expected %r" % (name, decoded, expected))
        if not vector.get("decode_only"):
            check(frame(encode_envelope(expected)) == data, "%s: encodes as %s" % (name, frame(encode_envelope(expected)).hex(" ")))
    payload_cases = 0
    for case in doc["malformed"]:
        data = bytes.fromhex(case["send"].replace(" ", ""))
        (length,) = struct.unpack(">i", data[:4])
        if 0 < length <= len(data) - 4 and length + 4 == len(data):
            # A single whole frame: this client must refuse it too, unless only the engine's state makes it bad.
            try:
                decode_envelope(data[4:])
            except Malformed:
                payload_cases += 1
    return len(doc["vectors"]), payload_cases


# ---- live ----

class Connection:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(READ_TIMEOUT)
        self.sock.connect(path)
        self.buffer = b""

    def send(self, envelope):
        self.sock.sendall(frame(encode_envelope(envelope)))

    def send_bytes(self, data):
        self.sock.sendall(data)

    def _fill(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                return False
            self.buffer += chunk
        return True

    def receive(self):
        """The next envelope, or None when the engine closed the connection."""
        if not self._fill(4):
            check(not self.buffer, "the engine closed in the middle of a frame header")
            return None
        (length,) = struct.unpack(">i", self.buffer[:4])
        check(0 < length <= 1 << 20, "frame length %d from the engine" % length)
        check(self._fill(4 + length), "the engine closed in the middle of a frame")
        payload, self.buffer = self.buffer[4:4 + length], self.buffer[4 + length:]
        return decode_envelope(payload)

    def hello(self):
        self.send({"type": "Hello", "protocolVersion": PROTOCOL_VERSION, "agent": "python-check/1"})
        reply = self.receive()
        check(reply is not None and reply["type"] == "Hello" and reply["protocolVersion"] == PROTOCOL_VERSION,
              "expected the engine's hello, got %r" % (reply,))
        return self

    def call(self, id, command, payload, stream=False):
        self.send({"type": "StreamRequest" if stream else "Request", "id": id, "command": command, "payload": payload})
        return self.receive()

    def close(self):
        self.sock.close()


def string(s):
    return ("string", s)


def probe(steps=0, interval_ms=100, echo=None):
    return ("map", [(string("steps"), ("int", steps)), (string("interval-ms"), ("int", interval_ms)),
                    (string("echo"), echo)])


def expect_response(reply, id, status, what):
    check(reply is not None and reply["type"] == "Response", "%s: expected a response, got %r" % (what, reply))
    check(reply["id"] == id and reply["status"] == status,
          "%s: expected %s for id %d, got %s for id %d (%s)" % (what, status, id, reply["status"], reply["id"],
                                                               reply.get("error")))
    return reply


def live_session(path, doc):
    done = []
    conn = Connection(path).hello()

    reply = expect_response(conn.call(1, "ping", None), 1, "OK", "ping")
    check(reply["payload"][0] == "string" and reply["payload"][1].startswith("pong"), "ping: %r" % (reply,))
    done.append("ping")

    echoed = 0
    for vector in doc["vectors"]:
        envelope = vector["envelope"]
        if vector["name"].startswith("value-") and "Request" in envelope:
            value = value_from_json(envelope["Request"]["payload"])
            reply = expect_response(conn.call(100 + echoed, "echo", value), 100 + echoed, "OK", vector["name"])
            check(same_value(reply["payload"], value), "echo of %s: got %r" % (vector["name"], reply["payload"]))
            echoed += 1
    done.append("echo of %d values" % echoed)

    pipelined = 500
    for i in range(pipelined):
        conn.send({"type": "Request", "id": 10_000 + i, "command": "echo", "payload": ("long", i)})
    seen = set()
    for _ in range(pipelined):
        reply = conn.receive()
        check(reply is not None and reply["status"] == "OK" and reply["payload"] == ("long", reply["id"] - 10_000),
              "pipelining: %r" % (reply,))
        seen.add(reply["id"])
    check(len(seen) == pipelined, "pipelining: %d distinct replies of %d" % (len(seen), pipelined))
    done.append("pipelining %d" % pipelined)

    conn.send({"type": "StreamRequest", "id": 2, "command": "probe", "payload": probe(3, 10, string("streamed"))})
    for seq in (1, 2, 3):
        event = conn.receive()
        check(event is not None and event["type"] == "Progress" and event["id"] == 2 and event["seq"] == seq,
              "progress %d: %r" % (seq, event))
        check(same_value(event["payload"], ("map", [(string("done"), ("int", seq)), (string("total"), ("int", 3))])),
              "progress %d payload: %r" % (seq, event["payload"]))
    reply = expect_response(conn.receive(), 2, "OK", "streamed probe")
    check(reply["payload"] == string("streamed"), "streamed probe result: %r" % (reply,))
    done.append("progress stream")

    conn.send({"type": "Request", "id": 3, "command": "probe", "payload": probe(0, 60_000)})
    conn.send({"type": "Cancel", "id": 3})
    expect_response(conn.receive(), 3, "CANCELLED", "cancelled probe")
    conn.send({"type": "Cancel", "id": 3})  # no longer in flight: ignored
    expect_response(conn.call(4, "ping", None), 4, "OK", "ping after a cancel")
    done.append("cancel")

    # The probe's timeout is 2 s in the engine's configuration.
    expect_response(conn.call(5, "probe", probe(0, 5_000)), 5, "TIMEOUT", "probe past its timeout")
    done.append("timeout")

    expect_response(conn.call(6, "no-such-command", None), 6, "UNKNOWN_COMMAND", "unknown command")
    conn.close()

    for case in doc["malformed"]:
        c = Connection(path)
        if case["after_hello"]:
            c.hello()
        c.send_bytes(bytes.fromhex(case["send"].replace(" ", "")))
        for answer in case["answers"]:
            expected = envelope_from_json(answer)
            expect_response(c.receive(), expected["id"], expected["status"], "malformed " + case["name"])
        check(c.receive() is None, "malformed %s: the engine did not close the connection" % case["name"])
        c.close()
    done.append("%d malformed cases" % len(doc["malformed"]))

    # SHUTTING_DOWN and stop without a hello: a long probe in flight on one connection while another stops the engine.
    busy = Connection(path).hello()
    busy.send({"type": "Request", "id": 7, "command": "probe", "payload": probe(0, 1_500, string("drained"))})
    time.sleep(0.2)
    stopper = Connection(path)
    stop = envelope_from_json([v for v in doc["vectors"] if v["name"] == "request-stop"][0]["envelope"])
    stopper.send(stop)
    reply = expect_response(stopper.receive(), 1, "OK", "stop without hello")
    check(reply["payload"] == string("stopping"), "stop: %r" % (reply,))
    done.append("stop without hello")
    # The stop is answered before the drain begins: ask until the engine says it is draining, within 1 s.
    deadline = time.monotonic() + 1.0
    id = 8
    while True:
        reply = busy.call(id, "echo", string("late"))
        check(reply is not None and reply["type"] == "Response" and reply["id"] == id, "while draining: %r" % (reply,))
        if reply["status"] == "SHUTTING_DOWN":
            break
        check(reply["status"] == "OK" and time.monotonic() < deadline,
              "expected SHUTTING_DOWN within 1 s of the stop, got %s" % reply["status"])
        id += 1
        time.sleep(0.02)
    reply = expect_response(busy.receive(), 7, "OK", "the probe in flight at the stop")
    check(reply["payload"] == string("drained"), "drained probe: %r" % (reply,))
    done.append("shutting down")
    check(busy.receive() is None, "the engine did not close the connection as it stopped")
    busy.close()
    stopper.close()
    return done


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", required=True)
    parser.add_argument("--socket")
    args = parser.parse_args()
    with open(args.vectors, encoding="utf-8") as f:
        doc = json.load(f)
    try:
        vectors, refused = run_vectors(doc)
        print("python client: %d vectors match byte for byte; %d malformed payloads refused offline" % (vectors, refused))
        if args.socket:
            done = live_session(args.socket, doc)
            print("python client: live session passed: " + ", ".join(done))
    except (Failure, Malformed, OSError) as e:
        print("python client: FAIL: %s: %s" % (type(e).__name__, e))
        return 1
    print("python client: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
