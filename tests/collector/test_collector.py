#!/usr/bin/env python3
"""Tests for lft_collector.py: stdlib unittest, loopback only, the whole run bounded to 60 s.

  python3 -m unittest tests/collector/test_collector.py -v
  python3 tests/collector/test_collector.py

The protoc cross-check reads the OTLP .proto files from ../shared/otlp (beside the repository,
or $LFT_SHARED_DIR/otlp) and is skipped, with a SKIP line, when they are missing.
"""

import ast
import base64
import email.utils
import faulthandler
import gzip
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import lft_collector as lc  # noqa: E402

COLLECTOR = str(HERE / "lft_collector.py")
SHARED = Path(os.environ.get("LFT_SHARED_DIR") or HERE.parents[1].parent / "shared")
AUTH = "Basic " + base64.b64encode(b"pk-lf-test:sk-lf-test").decode()
OTLP, INGESTION, SCORES = lc.OTLP_PATH, lc.INGESTION_PATH, lc.SCORES_PATH
TMP = CERTS = SERVER = None

# --------------------------------------------------------------------------------------------
# A tiny protobuf encoder, independent of the decoder under test.


def varint(n):
    n &= (1 << 64) - 1  # negative int64: ten bytes of two's complement
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    return bytes(out + bytes([n]))


def tag(field, wire_type):
    return varint(field << 3 | wire_type)


def f_len(field, payload):
    return tag(field, 2) + varint(len(payload)) + payload


def f_str(field, text):
    return f_len(field, text.encode())


def f_var(field, n):
    return tag(field, 0) + varint(n)


def f_fixed64(field, n):
    return tag(field, 1) + struct.pack("<Q", n)


def pb_any(v):
    if isinstance(v, bool):
        return f_var(2, int(v))
    if isinstance(v, str):
        return f_str(1, v)
    if isinstance(v, int):
        return f_var(3, v)
    if isinstance(v, float):
        return tag(4, 1) + struct.pack("<d", v)
    if isinstance(v, list):
        return f_len(5, b"".join(f_len(1, pb_any(x)) for x in v))
    if isinstance(v, dict):
        return f_len(6, b"".join(f_len(1, pb_kv(k, x)) for k, x in v.items()))
    return f_len(7, v)  # bytes


def pb_kv(key, value):
    return f_str(1, key) + f_len(2, pb_any(value))


def pb_span(s):
    out = f_len(1, bytes.fromhex(s["trace_id"])) + f_len(2, bytes.fromhex(s["span_id"]))
    out += f_str(3, "vendor=x")  # trace_state: not decoded, must be skipped
    if s["parent_span_id"]:
        out += f_len(4, bytes.fromhex(s["parent_span_id"]))
    out += f_str(5, s["name"]) + f_var(6, s["span_kind"])
    out += f_fixed64(7, s["start_ns"]) + f_fixed64(8, s["end_ns"])
    out += b"".join(f_len(9, pb_kv(k, v)) for k, v in s["attributes"].items())
    out += f_var(10, 2) + f_len(11, f_fixed64(1, 5) + f_str(2, "an-event"))  # skipped
    out += tag(16, 5) + struct.pack("<I", 0x301)  # flags (fixed32): skipped
    st = s["status"]
    out += f_len(15, (f_str(2, st["message"]) if st["message"] else b"")
                 + (f_var(3, st["code"]) if st["code"] else b""))
    return out


def pb_request(spans):
    return pb_wrap([pb_span(s) for s in spans])


def pb_wrap(encoded_spans):
    """An ExportTraceServiceRequest with RESOURCE, SCOPE and these encoded Span messages."""
    res = b"".join(f_len(1, pb_kv(k, v)) for k, v in RESOURCE.items())
    ss = f_len(1, f_str(1, SCOPE["name"]) + f_str(2, SCOPE["version"]))
    ss += b"".join(f_len(2, s) for s in encoded_spans)
    return f_len(1, f_len(1, res) + f_len(2, ss) + f_str(3, "https://schema"))


def j_any(v):
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, str):
        return {"stringValue": v}
    if isinstance(v, int):  # both spellings allowed: a string for big values, a number otherwise
        return {"intValue": str(v) if abs(v) > 1 << 53 else v}
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, list):
        return {"arrayValue": {"values": [j_any(x) for x in v]}}
    if isinstance(v, dict):
        return {"kvlistValue": {"values": j_attrs(v)}}
    return {"bytesValue": base64.b64encode(v).decode()}


def j_attrs(d):
    return [{"key": k, "value": j_any(v)} for k, v in d.items()]


def j_request(spans):
    def span(s):
        out = {"traceId": s["trace_id"], "spanId": s["span_id"], "name": s["name"], "kind": s["span_kind"],
               "startTimeUnixNano": str(s["start_ns"]), "endTimeUnixNano": s["end_ns"],
               "attributes": j_attrs(s["attributes"]), "status": dict(s["status"]), "flags": 257}
        if s["parent_span_id"]:
            out["parentSpanId"] = s["parent_span_id"]
        return out
    return {"resourceSpans": [{"resource": {"attributes": j_attrs(RESOURCE)},
                               "scopeSpans": [{"scope": SCOPE, "spans": [span(s) for s in spans]}]}]}


# --------------------------------------------------------------------------------------------
# Test data

TRACE = "0af7651916cd43dd8448eb211c80319c"
ROOT, CHILD, TOOL = "b7ad6b7169203331", "00f067aa0ba902b7", "53995c3f42cd8ad8"
T0 = 1_700_000_000_000_000_000
RESOURCE = {"service.name": "lftrace-test", "service.version": "0.1.0"}
SCOPE = {"name": "lftrace", "version": "0.1.0"}


def span(span_id, parent, name, start_ms, end_ms, attributes=None, status=(0, "")):
    return {"trace_id": TRACE, "span_id": span_id, "parent_span_id": parent, "name": name, "span_kind": 1,
            "start_ns": T0 + start_ms * 10**6, "end_ns": T0 + end_ms * 10**6, "attributes": attributes or {},
            "status": {"code": status[0], "message": status[1]}}


SPANS = [
    span(ROOT, "", "support-query", 0, 120, {"langfuse.trace.name": "support-query", "user.id": "u-1"}),
    span(CHILD, ROOT, "llm-answer", 10, 100, {
        "langfuse.observation.type": "generation",
        "langfuse.observation.model.name": "gpt-4o-mini",
        "langfuse.observation.usage_details": '{"input":42,"output":9,"total":51}',
        "langfuse.observation.input": '{"question":"' + "why is the sky blue? " * 5 + '"}',
        "neg": -7, "big": (1 << 63) - 1, "ratio": 0.25, "ok": True, "tags": ["a", "b", 3],
        "nested": {"k": "v", "n": 1}, "raw": b"\x00\xffz", "empty": ""}, status=(2, "boom")),
    span(TOOL, CHILD, "tool-call", 20, 30, {"langfuse.observation.type": "tool"}),
]


def stored(v):
    """A python attribute value as the collector stores it."""
    if isinstance(v, bytes):
        return {"bytes": v.hex()}
    if isinstance(v, list):
        return [stored(x) for x in v]
    if isinstance(v, dict):
        return {k: stored(x) for k, x in v.items()}
    return v


def expected(spans):
    return [{**s, "attributes": stored(s["attributes"]), "resource": RESOURCE, "scope": SCOPE} for s in spans]


SPAN_FIELDS = tuple(SPANS[0]) + ("resource", "scope")

# --------------------------------------------------------------------------------------------
# Server and client helpers


class Server:
    """lft_collector.py serve in a subprocess, bounded by --max-seconds."""

    def __init__(self, name, *extra):
        self.portfile, self.store = TMP / f"{name}.port", TMP / f"{name}.jsonl"
        self.log = TMP / f"{name}.log"
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, COLLECTOR, "serve", "--dir", str(CERTS), "--port", "0", "--portfile",
                 str(self.portfile), "--store", str(self.store), "--max-seconds", "55", *extra], stderr=log)
        deadline = time.monotonic() + 10
        while not self.portfile.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError(f"collector did not start:\n{self.log.read_text()}")
            time.sleep(0.02)
        self.port = int(self.portfile.read_text())

    def stop(self):
        try:
            call("POST", "/__admin/shutdown", port=self.port)
            self.proc.wait(5)
        except Exception:
            self.proc.kill()
            self.proc.wait(5)


def client_context(cafile="ca.pem", tls12=False):
    ctx = ssl.create_default_context(cafile=str(CERTS / cafile))
    if tls12:
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


class Conn(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1, verifying the server certificate for `hostname` (default localhost)."""

    def __init__(self, port=None, context=None, hostname="localhost", session=None):
        super().__init__("127.0.0.1", port or SERVER.port, context=context or client_context(), timeout=10)
        self.hostname, self.session = hostname, session

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.hostname, session=self.session)


def call(method, path, body=None, headers=None, auth=True, conn=None, port=None):
    """One request; returns (status, response, body bytes). Uses conn if given, else a new connection."""
    c = conn or Conn(port)
    h = {"Content-Type": "application/json"}
    if auth:
        h["Authorization"] = AUTH
    h.update(headers or {})
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        return r.status, r, r.read()
    finally:
        if conn is None:
            c.close()


def post_pb(body, conn=None, **headers):
    return call("POST", OTLP, body, {"Content-Type": "application/x-protobuf",
                                     "x-langfuse-ingestion-version": "4", **headers}, conn=conn)


def post_json(doc, conn=None, **headers):
    return call("POST", OTLP, doc, {"x-langfuse-ingestion-version": "4", **headers}, conn=conn)


def store(kind=None):
    status, _, body = call("GET", "/__admin/store" + (f"?kind={kind}" if kind else ""))
    assert status == 200
    return json.loads(body)


def arm(**spec):
    status, _, body = call("POST", "/__admin/fault", spec)
    assert status == 200, body
    return json.loads(body)["armed"]


def batch(*events):
    return {"batch": list(events)}


def score_event(eid, score_id="s-1", value=0.9, observation=CHILD):
    return {"id": eid, "type": "score-create", "timestamp": "2026-01-01T00:00:00.000Z",
            "body": {"id": score_id, "traceId": TRACE, "observationId": observation, "name": "quality",
                     "value": value}}


def setUpModule():
    global TMP, CERTS, SERVER
    faulthandler.dump_traceback_later(60, exit=True)  # hard bound on the whole run
    TMP = Path(tempfile.mkdtemp(prefix="lft_collector_test."))
    CERTS = TMP / "certs"
    subprocess.run([sys.executable, COLLECTOR, "certs", "--dir", str(CERTS)], check=True, timeout=30,
                   capture_output=True)
    SERVER = Server("main")


def tearDownModule():
    SERVER.stop()
    shutil.rmtree(TMP, ignore_errors=True)
    faulthandler.cancel_dump_traceback_later()


# --------------------------------------------------------------------------------------------


class CertsTest(unittest.TestCase):
    def openssl(self, *args):
        return subprocess.run(["openssl", *args], cwd=CERTS, capture_output=True, text=True, timeout=30)

    def test_files_and_idempotent(self):
        before = {f: (CERTS / f).read_bytes() for f in lc.CERT_FILES}
        out = subprocess.run([sys.executable, COLLECTOR, "certs", "--dir", str(CERTS)], check=True,
                             timeout=30, capture_output=True, text=True).stdout
        self.assertIn("kept", out)
        self.assertEqual(before, {f: (CERTS / f).read_bytes() for f in lc.CERT_FILES})

    def test_names_keys_and_chains(self):
        for cert, san in (("server.pem", "DNS:localhost"), ("wronghost.pem", "DNS:wrong.example")):
            text = self.openssl("x509", "-in", cert, "-noout", "-text").stdout
            self.assertIn(san, text)
            self.assertNotIn("IP Address", text)
            self.assertIn("NIST CURVE: P-256", text)
            self.assertEqual(self.openssl("verify", "-CAfile", "ca.pem", cert).returncode, 0)
            self.assertNotEqual(self.openssl("verify", "-CAfile", "wrong-ca.pem", cert).returncode, 0)
        self.assertIn("CA:TRUE", self.openssl("x509", "-in", "wrong-ca.pem", "-noout", "-text").stdout)

    def test_tls_trust_and_hostname(self):
        self.assertEqual(call("GET", "/__admin/store")[0], 200)
        with self.assertRaises(ssl.SSLCertVerificationError):
            call("GET", "/__admin/store", conn=Conn(context=client_context("wrong-ca.pem")))
        wrong = Server("wronghost", "--cert", "wronghost")
        try:
            with self.assertRaisesRegex(ssl.SSLCertVerificationError, "match|mismatch"):
                call("GET", "/__admin/store", port=wrong.port)
            c = Conn(wrong.port, hostname="wrong.example")
            self.assertEqual(call("GET", "/__admin/store", conn=c)[0], 200)
            c.close()
        finally:
            wrong.stop()

    def test_tls12_session_resumption(self):
        ctx = client_context(tls12=True)
        first = Conn(context=ctx)
        self.assertEqual(call("GET", "/__admin/store", conn=first)[0], 200)
        self.assertEqual(first.sock.version(), "TLSv1.2")
        session = first.sock.session
        first.close()
        again = Conn(context=ctx, session=session)
        self.assertEqual(call("POST", SCORES, {"name": "n", "value": 1}, conn=again)[0], 200)
        self.assertTrue(again.sock.session_reused)
        again.close()
        self.assertTrue(store("request")[-1]["tls"]["resumed"])


class CollectorTest(unittest.TestCase):
    def setUp(self):
        self.assertEqual(call("POST", "/__admin/reset")[0], 200)

    def spans(self):
        return [{k: s[k] for k in SPAN_FIELDS} for s in store("span")]

    # ---- auth, decoding

    def test_auth_required(self):
        for headers in ({}, {"Authorization": "Basic " + base64.b64encode(b"pk-lf-test:nope").decode()},
                        {"Authorization": "Bearer pk-lf-test"}):
            status, r, body = call("POST", OTLP, j_request(SPANS), headers, auth=bool(headers))
            self.assertEqual(status, 401)
            self.assertEqual(r.getheader("Content-Type"), "application/json")
            self.assertIn("message", json.loads(body))
        self.assertEqual(self.spans(), [])
        self.assertEqual([r["status"] for r in store("request")], [401, 401, 401])

    def test_otlp_protobuf(self):
        body = pb_request(SPANS)
        status, r, reply = post_pb(body, **{"User-Agent": "lftrace/0.1", "x-langfuse-sdk-name": "lftrace"})
        self.assertEqual((status, reply, r.getheader("Content-Type")), (200, b"{}", "application/json"))
        self.assertEqual(self.spans(), expected(SPANS))
        line = store("span")[1]
        self.assertEqual(line["encoding"], "protobuf")
        self.assertEqual(line["headers"]["user-agent"], "lftrace/0.1")
        self.assertEqual(line["headers"]["x-langfuse-ingestion-version"], "4")
        req = store("request")[0]
        self.assertEqual((req["body_bytes"], req["items"], req["status"]), (len(body), 3, 200))
        self.assertEqual(line["request_id"], req["request_id"])

    def test_otlp_json_matches_protobuf(self):
        status, _, reply = post_json(j_request(SPANS))
        self.assertEqual((status, reply), (200, b"{}"))
        self.assertEqual(self.spans(), expected(SPANS))
        self.assertEqual(store("span")[0]["encoding"], "json")
        self.assertEqual(lc.decode_otlp_json(json.dumps(j_request(SPANS)).encode()),
                         lc.decode_otlp_protobuf(pb_request(SPANS)))

    def test_gzip_and_chunked_bodies(self):
        raw = pb_request(SPANS[:1])
        self.assertEqual(post_pb(gzip.compress(raw), **{"Content-Encoding": "gzip"})[0], 200)
        c = Conn()
        c.request("POST", OTLP, body=iter([raw[:10], raw[10:]]), encode_chunked=True,
                  headers={"Content-Type": "application/x-protobuf", "Authorization": AUTH})
        self.assertEqual(c.getresponse().status, 200)
        c.close()
        reqs = store("request")
        self.assertEqual(reqs[0]["decoded_bytes"], len(raw))
        self.assertEqual(reqs[1]["headers"]["transfer-encoding"], "chunked")
        self.assertEqual(reqs[1]["body_bytes"], len(raw))
        self.assertEqual(self.spans(), expected(SPANS[:1]) * 2)

    def test_ingestion_version_header(self):
        for version, want in (("5", 400), ("abc", 400), ("3", 200), (None, 200)):
            headers = {"Content-Type": "application/x-protobuf"}
            if version:
                headers["x-langfuse-ingestion-version"] = version
            self.assertEqual(call("POST", OTLP, pb_request(SPANS[:1]), headers)[0], want, version)
        self.assertEqual([s["headers"]["x-langfuse-ingestion-version"] for s in store("span")], ["3", None])

    def test_otlp_rejects_malformed_bodies(self):
        def one_span(**fields):
            spans = [{"traceId": TRACE, "spanId": ROOT, **fields}]
            return {"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}
        bad_json = [
            {"resourceSpans": {}},
            one_span(traceId=TRACE.upper()),
            one_span(traceId=base64.b64encode(bytes.fromhex(TRACE)).decode()),
            one_span(attributes=[{"key": "x", "value": {"intValue": 1.5}}]),
            one_span(attributes=[{"key": "x", "value": {"stringValue": "a", "boolValue": True}}]),
            one_span(startTimeUnixNano="-1"),
            one_span(status={"code": "STATUS_CODE_ERROR"}),
        ]
        for doc in bad_json:
            status, _, body = post_json(doc)
            self.assertEqual(status, 400, doc)
            self.assertEqual(json.loads(body)["message"], "Invalid request data")
        self.assertEqual(post_json(b"{not json")[0], 400)
        self.assertEqual(post_pb(pb_request(SPANS)[:-3])[0], 400)
        self.assertEqual(call("POST", OTLP, pb_request(SPANS), {"Content-Type": "text/plain"})[0], 400)
        self.assertEqual(post_pb(b"\x1f\x8b garbage", **{"Content-Encoding": "gzip"})[0], 400)
        self.assertEqual(self.spans(), [])
        self.assertEqual(post_json(one_span())[0], 200)  # the unbroken baseline is accepted

    def test_protobuf_decoder_edge_cases(self):
        ids = f_len(1, bytes.fromhex(TRACE)) + f_len(2, bytes.fromhex(ROOT))
        deep = pb_any("x")
        for _ in range(3000):
            deep = f_len(5, f_len(1, deep))
        bad = {  # body -> expected error
            b"\x0a\x80": "truncated varint",
            b"\x0a\x05\x01": "past the end",
            b"\x0b": "wire type 3",
            b"\x02\x00": "field number 0",
            b"\x08" + b"\xff" * 10 + b"\x01": "longer than 10 bytes",
            b"\x08" + b"\xff" * 9 + b"\x02": "overflows 64 bits",
            pb_wrap([ids + f_len(5, b"\xff")]): "not valid UTF-8",
            pb_wrap([ids + f_var(5, 1)]): "field 5 has wire type 0",
            pb_wrap([ids + tag(7, 0) + varint(1)]): "field 7 has wire type 0",
            pb_wrap([f_len(1, bytes(8)) + f_len(2, bytes.fromhex(ROOT))]): "invalid trace id",
            pb_wrap([f_len(1, bytes.fromhex(TRACE)) + f_len(2, bytes(8))]): "invalid span id",
            pb_wrap([ids + f_len(4, b"\x01" * 4)]): "invalid parent span id",
            pb_wrap([ids + f_len(9, pb_kv("a", 1)) * 2]): "duplicate attribute key",
            pb_wrap([ids + f_len(9, f_str(1, "d") + f_len(2, deep))]): "nesting too deep",
        }
        for body, error in bad.items():
            with self.assertRaisesRegex(lc.BadRequest, error):
                lc.decode_otlp_protobuf(body)
        # a oneof takes the last member on the wire; an empty AnyValue is None; unknown fields are skipped
        kv = f_str(1, "k") + f_len(2, f_str(1, "first") + f_var(3, -5) + tag(99, 0) + varint(1))
        spans = lc.decode_otlp_protobuf(pb_wrap([ids + f_len(9, kv) + f_len(9, f_str(1, "e"))]))
        self.assertEqual(spans[0]["attributes"], {"k": -5, "e": None})
        self.assertEqual((spans[0]["name"], spans[0]["start_ns"], spans[0]["status"]),
                         ("", 0, {"code": 0, "message": ""}))
        self.assertEqual(lc.decode_otlp_protobuf(b""), [])

    # ---- ingestion and scores

    def test_ingestion_207(self):
        trace = {"id": "e-t", "type": "trace-create", "timestamp": "2026-01-01T00:00:00Z",
                 "body": {"id": TRACE, "name": "legacy"}}
        no_value = score_event("e-bad")
        del no_value["body"]["value"]
        status, r, body = call("POST", INGESTION, batch(score_event("e-s"), trace, no_value, 42))
        reply = json.loads(body)
        self.assertEqual(status, 207)
        self.assertEqual(reply["successes"], [{"id": "e-s", "status": 201}, {"id": "e-t", "status": 201}])
        self.assertEqual([(e["id"], e["status"]) for e in reply["errors"]],
                         [("e-bad", 400), ("unknown", 400)])
        self.assertIsInstance(reply["_deprecation"], dict)
        score, = store("score")
        self.assertEqual([score[k] for k in ("id", "name", "value", "envelope_id", "endpoint")],
                         ["s-1", "quality", 0.9, "e-s", "ingestion"])
        event, = store("event")
        self.assertEqual((event["type"], event["body"]["name"]), ("trace-create", "legacy"))
        for bad in (b"{", {"batch": {}}, [1]):
            self.assertEqual(call("POST", INGESTION, bad)[0], 400)
        self.assertEqual(call("POST", INGESTION, batch(), {"Content-Type": "text/plain"})[0], 400)

    def test_scores_endpoint(self):
        status, _, body = call("POST", SCORES, {"traceId": TRACE, "name": "helpful", "value": 1})
        self.assertEqual(status, 200)
        score_id = json.loads(body)["id"]
        line, = store("score")
        self.assertEqual((line["id"], line["name"], line["endpoint"]), (score_id, "helpful", "scores"))
        self.assertEqual(call("POST", SCORES, {"name": "no value"})[0], 400)

    # ---- HTTP behaviour

    def test_date_header_on_every_reply(self):
        for method, path, auth in (("POST", SCORES, True), ("POST", SCORES, False), ("GET", "/nope", True),
                                   ("GET", "/__admin/store", True)):
            _, r, _ = call(method, path, {"name": "n", "value": 1}, auth=auth)
            date = r.getheader("Date")
            self.assertRegex(date, r"^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$")
            self.assertLess(abs(email.utils.parsedate_to_datetime(date).timestamp() - time.time()), 5)

    def test_keep_alive_and_connection_close(self):
        c = Conn()
        self.assertEqual(post_pb(pb_request(SPANS[:1]), conn=c)[0], 200)
        sock = c.sock
        self.assertEqual(post_json(j_request(SPANS[1:]), conn=c)[0], 200)
        self.assertIs(c.sock, sock)
        status, r, _ = call("POST", SCORES, {"name": "n", "value": 1}, {"Connection": "close"}, conn=c)
        self.assertEqual((status, r.getheader("Connection")), (200, "close"))
        self.assertEqual(call("POST", SCORES, {"name": "n", "value": 2}, conn=c)[0], 200)  # reconnects
        c.close()
        reqs = store("request")
        first = reqs[0]["connection_id"]
        self.assertEqual([(q["connection_id"] - first, q["request_on_connection"]) for q in reqs],
                         [(0, 1), (0, 2), (0, 3), (1, 1)])

    def test_admin_store_filter_reset_and_file(self):
        post_pb(pb_request(SPANS))
        self.assertEqual(len(store("span")), 3)
        self.assertEqual(len(lc.load_store(SERVER.store)), 4)  # the JSONL file: 3 spans + 1 request
        call("POST", "/__admin/reset")
        self.assertEqual((store(), SERVER.store.read_text()), ([], ""))
        self.assertIn("POST /api/public/otel/v1/traces -> 200", SERVER.log.read_text())

    # ---- fault switches

    def assert_normal_again(self):
        self.assertEqual(call("POST", SCORES, {"name": "n", "value": 1})[0], 200)

    def test_fault_500_count(self):
        arm(mode="500", count=2)
        for _ in range(2):
            status, r, body = post_pb(pb_request(SPANS))
            self.assertEqual((status, r.getheader("Content-Type")), (500, "application/json"))
            json.loads(body)
        self.assertEqual(post_pb(pb_request(SPANS))[0], 200)
        self.assertEqual(len(store("span")), 3)

    def test_fault_503_html(self):
        arm(mode="503_html")
        status, r, body = call("POST", INGESTION, batch(score_event("e1")))
        self.assertEqual((status, r.getheader("Content-Type")), (503, "text/html"))
        self.assertTrue(body.startswith(b"<html>"))
        self.assertEqual(store("score"), [])
        self.assert_normal_again()

    def test_fault_429(self):
        arm(mode="429", retry_after=7)
        status, r, _ = post_pb(pb_request(SPANS))
        self.assertEqual((status, r.getheader("Retry-After")), (429, "7"))
        arm(mode="429_date", retry_after=5)
        status, r, _ = post_pb(pb_request(SPANS))
        self.assertEqual(status, 429)
        when = email.utils.parsedate_to_datetime(r.getheader("Retry-After")).timestamp()
        self.assertTrue(time.time() + 2 < when < time.time() + 7, r.getheader("Retry-After"))
        self.assertEqual(self.spans(), [])
        self.assert_normal_again()

    def test_fault_drop_before_body(self):
        arm(mode="drop_before_body")
        with self.assertRaises((http.client.HTTPException, OSError)):
            post_pb(pb_request(SPANS))
        self.assertEqual(self.spans(), [])
        req, = store("request")
        self.assertEqual((req["status"], req["faults"], req["body_bytes"]),
                         (None, ["drop_before_body"], None))
        self.assert_normal_again()

    def test_fault_drop_after_body(self):
        arm(mode="drop_after_body")
        with self.assertRaises((http.client.HTTPException, OSError)):
            post_pb(pb_request(SPANS))
        self.assertEqual(self.spans(), expected(SPANS))  # stored, but the reply was lost
        self.assertEqual(store("request")[0]["status"], None)
        self.assert_normal_again()

    def test_fault_slow(self):
        self.assertEqual(arm(mode="slow", delay_s=1000)["delay_s"], 30)  # bounded
        call("POST", "/__admin/fault", {"mode": "off"})
        arm(mode="slow", delay_s=0.6)
        t0 = time.monotonic()
        self.assertEqual(post_pb(pb_request(SPANS))[0], 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.6)
        t0 = time.monotonic()
        self.assert_normal_again()
        self.assertLess(time.monotonic() - t0, 0.5)

    def test_fault_otlp_400_span(self):
        arm(mode="otlp_400_span", span_name="tool-call", count=2)
        self.assertEqual(post_pb(pb_request(SPANS[:2]))[0], 200)  # no poison: accepted
        status, _, body = post_pb(pb_request(SPANS))
        self.assertEqual(status, 400)
        self.assertIn("tool-call", json.loads(body)["error"])
        self.assertEqual(post_json(j_request(SPANS[2:]))[0], 400)
        self.assertEqual(post_pb(pb_request(SPANS[2:]))[0], 200)  # count used up
        self.assertEqual([s["name"] for s in store("span")], ["support-query", "llm-answer", "tool-call"])

    def test_fault_207_errors(self):
        arm(mode="207_errors", fail_ids=["e2"], status=500)
        events = [score_event(f"e{i}", f"s{i}") for i in (1, 2, 3)]
        reply = json.loads(call("POST", INGESTION, batch(*events))[2])
        self.assertEqual([e["id"] for e in reply["successes"]], ["e1", "e3"])
        self.assertEqual([(e["id"], e["status"]) for e in reply["errors"]], [("e2", 500)])
        arm(mode="207_errors", fail_every=2)
        events = [score_event(f"f{i}", f"t{i}") for i in range(1, 6)]
        reply = json.loads(call("POST", INGESTION, batch(*events))[2])
        self.assertEqual([(e["id"], e["status"]) for e in reply["errors"]], [("f2", 400), ("f4", 500)])
        self.assertIn("_deprecation", reply)
        self.assertEqual([s["id"] for s in store("score")], ["s1", "s3", "t1", "t3", "t5"])

    def test_fault_413_keeps_the_connection(self):
        arm(mode="413")
        c = Conn()
        status, r, body = post_pb(pb_request(SPANS), conn=c)
        self.assertEqual((status, r.getheader("Content-Type"), body),
                         (413, "text/plain", b"Body exceeded 4.5mb limit"))
        self.assertEqual(post_pb(pb_request(SPANS), conn=c)[0], 200)
        c.close()
        self.assertEqual(len(store("span")), 3)

    def test_fault_max_body(self):
        arm(mode="max_body", bytes=200, count=-1)
        self.assert_normal_again()
        for _ in range(2):
            self.assertEqual(post_pb(pb_request(SPANS))[0], 413)
        self.assertEqual(self.spans(), [])

    def test_fault_path_and_validation(self):
        arm(mode="500", path=SCORES)
        self.assertEqual(post_pb(pb_request(SPANS))[0], 200)
        self.assertEqual(call("POST", SCORES, {"name": "n", "value": 1})[0], 500)
        for spec in ({"mode": "nope"}, {"mode": "500", "count": 0}, {"mode": "max_body"},
                     {"mode": "otlp_400_span"}, {"mode": "207_errors"}, {"mode": "500", "path": "/x"}):
            self.assertEqual(call("POST", "/__admin/fault", spec)[0], 400, spec)

    # ---- tree / summary

    def test_tree_and_summary(self):
        post_pb(pb_request(SPANS))
        call("POST", INGESTION, batch(score_event("e1")))
        call("POST", SCORES, {"traceId": TRACE, "name": "overall", "value": "good"})
        run = lambda *a: subprocess.run([sys.executable, COLLECTOR, *a, "--store", str(SERVER.store)],
                                        capture_output=True, text=True, timeout=30, check=True).stdout
        tree = run("tree")
        indent = {line.split()[0]: len(line) - len(line.lstrip()) for line in tree.splitlines()
                  if line.split() and line.split()[0] in ("support-query", "llm-answer", "tool-call")}
        self.assertEqual(indent, {"support-query": 2, "llm-answer": 4, "tool-call": 6}, tree)
        self.assertRegex(tree, r"llm-answer \[generation\] 90\.000 ms  model=gpt-4o-mini  "
                               r"usage=\{\"input\":42.*ERROR: boom")
        self.assertIn("score quality = 0.9", tree)
        self.assertIn("score overall = good", tree)
        self.assertTrue(any(line.strip().startswith("input: ") and line.endswith("...")
                            for line in tree.splitlines()), tree)
        self.assertEqual(run("tree", "--trace-id", "ff" * 16), "")
        summary = run("summary")
        self.assertRegex(summary, r"span +3 +\(protobuf: 3\)")
        self.assertRegex(summary, r"score +2")

    # ---- protoc cross-check

    def test_protoc_cross_check(self):
        proto_root = SHARED / "otlp"
        if not (proto_root / "opentelemetry/proto/collector/trace/v1/trace_service.proto").is_file():
            print("SKIP protoc cross-check: ../shared not found")
            return
        if not shutil.which("protoc"):
            print("SKIP protoc cross-check: protoc not installed")
            return
        protoc = ["protoc", "-I", str(proto_root),
                  "opentelemetry/proto/collector/trace/v1/trace_service.proto"]
        msg = "opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest"

        # 1. protoc decodes our test encoder's bytes into the same values as the collector
        body = pb_request(SPANS)
        text = subprocess.run(protoc + [f"--decode={msg}"], input=body, capture_output=True, timeout=30,
                              check=True).stdout.decode()
        unescape = lambda s: ast.literal_eval(f'b"{s}"').decode()
        ours = lc.decode_otlp_protobuf(body)
        strings, ints = [], []

        def walk(v):
            if isinstance(v, str):
                strings.append(v)
            elif isinstance(v, bool):
                pass
            elif isinstance(v, int):
                ints.append(v)
            elif isinstance(v, dict) and set(v) != {"bytes"}:
                [walk(x) for x in v.values()]
            elif isinstance(v, list):
                [walk(x) for x in v]
        walk([ours[0]["resource"]] + [s["attributes"] for s in ours])
        self.assertEqual(sorted(unescape(s) for s in re.findall(r'string_value: "(.*)"', text)),
                         sorted(strings))
        self.assertEqual(sorted(int(i) for i in re.findall(r"int_value: (-?\d+)", text)), sorted(ints))
        self.assertEqual([int(t) for t in re.findall(r"start_time_unix_nano: (\d+)", text)],
                         [s["start_ns"] for s in ours])
        names = set(re.findall(r'^ {6}name: "(.*)"$', text, re.M))  # spans' and the scope's
        self.assertEqual(names, {s["name"] for s in ours} | {SCOPE["name"]})

        # 2. the collector decodes bytes encoded by protoc (field order, enums by name, skipped fields)
        esc = lambda hexid: '"' + "".join(f"\\{b:03o}" for b in bytes.fromhex(hexid)) + '"'
        text_in = f"""
resource_spans {{
  resource {{
    attributes {{ key: "service.name" value {{ string_value: "by-protoc" }} }}
    dropped_attributes_count: 3
    entity_refs {{ type: "service" id_keys: "service.name" }}
  }}
  scope_spans {{
    scope {{ name: "lftrace" version: "9" attributes {{ key: "s" value {{ bool_value: true }} }} }}
    spans {{
      trace_id: {esc(TRACE)} span_id: {esc(CHILD)} parent_span_id: {esc(ROOT)}
      trace_state: "a=b" name: "gen \\"quoted\\" \\303\\251" kind: SPAN_KIND_CLIENT
      start_time_unix_nano: 18446744073709551615 end_time_unix_nano: 1
      attributes {{ key: "i" value {{ int_value: -9223372036854775808 }} }}
      attributes {{ key: "d" value {{ double_value: -1.5e300 }} }}
      attributes {{ key: "b" value {{ bytes_value: "\\000\\001" }} }}
      attributes {{ key: "kv" value {{ kvlist_value {{ values {{ key: "x" value {{ array_value {{
        values {{ string_value: "y" }} values {{ bool_value: false }} }} }} }} }} }} }}
      attributes {{ key: "none" }}
      dropped_attributes_count: 1
      events {{ time_unix_nano: 2 name: "e" }}
      links {{ trace_id: {esc(TRACE)} span_id: {esc(ROOT)} }}
      status {{ message: "bad" code: STATUS_CODE_ERROR }}
      flags: 769
    }}
  }}
}}"""
        encoded = subprocess.run(protoc + [f"--encode={msg}"], input=text_in.encode(), capture_output=True,
                                 timeout=30, check=True).stdout
        self.assertEqual(lc.decode_otlp_protobuf(encoded), [{
            "trace_id": TRACE, "span_id": CHILD, "parent_span_id": ROOT, "name": 'gen "quoted" é',
            "span_kind": 3, "start_ns": (1 << 64) - 1, "end_ns": 1,
            "attributes": {"i": -(1 << 63), "d": -1.5e300, "b": {"bytes": "0001"},
                           "kv": {"x": ["y", False]}, "none": None},
            "status": {"code": 2, "message": "bad"}, "resource": {"service.name": "by-protoc"},
            "scope": {"name": "lftrace", "version": "9"}}])


if __name__ == "__main__":
    unittest.main(verbosity=2)
