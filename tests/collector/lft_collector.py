#!/usr/bin/env python3
"""lft_collector: a local stand-in for the Langfuse ingestion API, for lftrace tests and the demo.

Python 3.11 standard library only; `certs` shells out to the openssl CLI.

  lft_collector.py certs   --dir D [--server-name NAME ...]
  lft_collector.py serve   --dir D --port 0 --portfile F [--http] [--cert server|wronghost]
                           --public-key PK --secret-key SK --store S.jsonl --max-seconds 120
  lft_collector.py tree    --store S.jsonl [--trace-id X]
  lft_collector.py summary --store S.jsonl

README.md beside this file describes the endpoints, the store format and the fault switches.
"""

import argparse
import base64
import binascii
import fcntl
import json
import os
import re
import secrets
import signal
import socket
import socketserver
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
import zlib
from collections import Counter, defaultdict
from datetime import datetime, timezone
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

MAX_BODY = 64 << 20  # hard cap on any request body (compressed or not)
OTLP_PATH = "/api/public/otel/v1/traces"
INGESTION_PATH = "/api/public/ingestion"
SCORES_PATH = "/api/public/scores"
# Request headers copied into the store (absent ones are stored as null).
RECORDED_HEADERS = ("user-agent", "x-langfuse-sdk-name", "x-langfuse-sdk-version",
                    "x-langfuse-ingestion-version", "content-type", "content-length",
                    "content-encoding", "transfer-encoding")

_log_lock = threading.Lock()


def log(msg):
    """One line to stderr, prefixed with the wall-clock time."""
    now = time.time()
    stamp = time.strftime("%H:%M:%S", time.localtime(now)) + f".{int(now * 1000) % 1000:03d}"
    with _log_lock:
        sys.stderr.write(f"lft_collector {stamp} {msg}\n")
        sys.stderr.flush()


class HttpError(Exception):
    """Ends a request with this reply (raised by decoders, validators and fault switches)."""

    def __init__(self, status, body, ctype="application/json", headers=(), close=False):
        super().__init__(f"{status}: {body}")
        self.status, self.body, self.ctype, self.headers, self.close = status, body, ctype, headers, close


class BadRequest(HttpError):
    """A malformed request: 400 with a Langfuse-like JSON body."""

    def __init__(self, msg, close=False):
        super().__init__(400, {"message": "Invalid request data", "error": msg}, close=close)
        self.msg = msg


# --------------------------------------------------------------------------------------------
# Certificates (openssl CLI)

CERT_FILES = ("ca.pem", "server.pem", "server.key", "wrong-ca.pem", "wronghost.pem", "wronghost.key")

_OPENSSL_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = {cn}
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = {san}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


def _openssl(tmp, *args):
    r = subprocess.run(["openssl", *args], cwd=tmp, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        sys.exit(f"lft_collector: openssl {args[0]} failed:\n{r.stderr}")


def _new_key_and_request(tmp, name, cn, x509, also=()):
    """P-256 key <name>.key and, self-signed CA cert (x509) or CSR, <name>.pem / <name>.csr.

    A leaf's SAN is DNS:cn plus DNS:<each name in also>."""
    cfg = f"{name}.cnf"
    san = ", ".join(f"DNS:{n}" for n in (cn, *also))
    Path(tmp, cfg).write_text(_OPENSSL_CONFIG.format(cn=cn, san=san))
    args = ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-sha256", "-config", cfg, "-keyout", f"{name}.key"]
    if x509:
        args += ["-x509", "-days", "3650", "-extensions", "ca", "-out", f"{name}.pem"]
    else:
        args += ["-out", f"{name}.csr"]
    _openssl(tmp, *args)


def _issue(tmp, name, cn, ca, also=()):
    """<name>.key + <name>.pem for DNS name cn and the names in also (SAN), signed by CA <ca>."""
    _new_key_and_request(tmp, name, cn, x509=False, also=also)
    _openssl(tmp, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
             "-set_serial", str(secrets.randbits(63) + 1), "-days", "825", "-sha256",
             "-extfile", f"{name}.cnf", "-extensions", "leaf", "-out", f"{name}.pem")


def _certs_valid(d, server_names):
    ok = lambda *a: subprocess.run(["openssl", "verify", *a], cwd=d, capture_output=True,
                                   timeout=60).returncode == 0
    return (all((d / f).is_file() for f in CERT_FILES)
            and ok("-CAfile", "ca.pem", "server.pem", "wronghost.pem")
            and all(ok("-CAfile", "ca.pem", "-verify_hostname", n, "server.pem") for n in server_names)
            and ok("-CAfile", "wrong-ca.pem", "wrong-ca.pem"))


def make_certs(directory, server_names=()):
    """Create the test PKI in directory unless a valid one is already there. Returns True if created.

    ca.pem (+ca.key)        test CA, P-256, self-signed
    server.pem/.key         CN/SAN DNS:localhost, signed by ca.pem (no IP SAN: mbedTLS 2.28 ignores them);
                            also SAN DNS:<name> for each of server_names (a test that resolves a
                            name, e.g. through its own DNS server, and verifies that name)
    wronghost.pem/.key      SAN DNS:wrong.example, signed by ca.pem (hostname-mismatch tests)
    wrong-ca.pem (+.key)    an unrelated CA (trust-anchor-mismatch tests)
    """
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    with open(d / ".certs.lock", "w") as lock:  # parallel tests may share one directory
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _certs_valid(d, ("localhost", *server_names)):
            return False
        with tempfile.TemporaryDirectory(dir=d) as tmp:
            _new_key_and_request(tmp, "ca", "lftrace test CA", x509=True)
            _new_key_and_request(tmp, "wrong-ca", "lftrace wrong CA", x509=True)
            _issue(tmp, "server", "localhost", "ca", also=server_names)
            _issue(tmp, "wronghost", "wrong.example", "ca")
            for name in ("ca", "wrong-ca", "server", "wronghost"):
                for ext in (".pem", ".key"):
                    os.replace(Path(tmp, name + ext), d / (name + ext))
        return True


# --------------------------------------------------------------------------------------------
# Protobuf wire format and the OTLP messages we read

def _varint(buf, pos):
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise BadRequest("protobuf: truncated varint")
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            if result >> 64:
                raise BadRequest("protobuf: varint overflows 64 bits")
            return result, pos
        shift += 7
        if shift >= 70:
            raise BadRequest("protobuf: varint longer than 10 bytes")


def pb_fields(buf):
    """Yield (field number, wire type, raw value) for each field of one message.

    The raw value is an int (varint), or bytes: 8 (fixed64), 4 (fixed32) or n (length-delimited).
    Groups (wire types 3, 4) are refused: OTLP never uses them.
    """
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        field, wt = key >> 3, key & 7
        if field == 0 or field > 0x1FFFFFFF:
            raise BadRequest(f"protobuf: invalid field number {field}")
        if wt == 0:
            value, pos = _varint(buf, pos)
        elif wt in (1, 5):
            n = 8 if wt == 1 else 4
            value, pos = buf[pos:pos + n], pos + n
        elif wt == 2:
            n, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + n], pos + n
        else:
            raise BadRequest(f"protobuf: unsupported wire type {wt} (field {field})")
        if pos > len(buf):
            raise BadRequest(f"protobuf: field {field} runs past the end of its message")
        yield field, wt, value


_PB_WIRE = {"enum": 0, "int64": 0, "bool": 0, "fixed64": 1, "double": 1, "string": 2, "bytes": 2}


def _pb_value(field, wt, raw, typ):
    want = 2 if callable(typ) else _PB_WIRE[typ]
    if wt != want:
        raise BadRequest(f"protobuf: field {field} has wire type {wt}, expected {want}")
    if callable(typ):  # length-delimited, converted by typ (nested messages, wrappers)
        return typ(raw)
    if typ == "string":
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest(f"protobuf: field {field} is not valid UTF-8") from None
    if typ in ("enum", "int64"):  # two's complement in a 64-bit varint
        return raw - (1 << 64) if raw >> 63 else raw
    if typ == "bool":
        return raw != 0
    if typ == "fixed64":
        return int.from_bytes(raw, "little")
    if typ == "double":
        return struct.unpack("<d", raw)[0]
    return bytes(raw)


def _pb_decode(buf, schema):
    """Decode one message. schema: {field number: (name, type, repeated)}, where type is a
    _PB_WIRE key or a function of the raw bytes of a length-delimited field. Unknown fields
    are skipped; for singular fields the last occurrence wins (so also for oneof members
    that share one name)."""
    out = {}
    for field, wt, raw in pb_fields(buf):
        if field in schema:
            name, typ, repeated = schema[field]
            value = _pb_value(field, wt, raw, typ)
            if repeated:
                out.setdefault(name, []).append(value)
            else:
                out[name] = value
    return out


def _message(schema):
    return lambda raw: _pb_decode(raw, schema)


def _attributes(pairs):
    """[{key, value}] -> {key: value}; OTLP forbids duplicate keys, so do we."""
    out = {}
    for kv in pairs:
        key = kv.get("key", "")
        if key in out:
            raise BadRequest(f"duplicate attribute key {key!r}")
        out[key] = kv.get("value")
    return out


def _pb_any_value(raw):
    return _pb_decode(raw, _ANY_VALUE).get("value")  # None if no member is set


_KEY_VALUE = {1: ("key", "string", False), 2: ("value", _pb_any_value, False)}
_ANY_VALUE = {  # a oneof: every member is stored under "value", the last one on the wire wins
    1: ("value", "string", False),
    2: ("value", "bool", False),
    3: ("value", "int64", False),
    4: ("value", "double", False),
    5: ("value", lambda raw: _pb_decode(raw, {1: ("v", _pb_any_value, True)}).get("v", []), False),
    6: ("value", lambda raw: _attributes(
        _pb_decode(raw, {1: ("v", _message(_KEY_VALUE), True)}).get("v", [])), False),
    7: ("value", lambda raw: {"bytes": raw.hex()}, False),
}
_SPAN = {
    1: ("trace_id", "bytes", False),
    2: ("span_id", "bytes", False),
    4: ("parent_span_id", "bytes", False),
    5: ("name", "string", False),
    6: ("kind", "enum", False),
    7: ("start", "fixed64", False),
    8: ("end", "fixed64", False),
    9: ("attributes", _message(_KEY_VALUE), True),
    15: ("status", _message({2: ("message", "string", False), 3: ("code", "enum", False)}), False),
}
_RESOURCE_SPANS = {
    1: ("resource", _message({1: ("attributes", _message(_KEY_VALUE), True)}), False),
    2: ("scope_spans", _message({
        1: ("scope", _message({1: ("name", "string", False), 2: ("version", "string", False)}), False),
        2: ("spans", _message(_SPAN), True)}), True),
}
_EXPORT_REQUEST = {1: ("resource_spans", _message(_RESOURCE_SPANS), True)}

_HEX32, _HEX16 = re.compile(r"[0-9a-f]{32}"), re.compile(r"[0-9a-f]{16}")


def _span_record(trace_id, span_id, parent_span_id, **fields):
    """The stored form of one span (ids as lowercase hex; a root has parent_span_id "").
    Stricter than Langfuse: ids must be 16/8 bytes and not all zero."""
    if not _HEX32.fullmatch(trace_id) or trace_id == "0" * 32:
        raise BadRequest(f"span {fields['name']!r}: invalid trace id {trace_id!r}")
    for what, sid in (("span", span_id), ("parent span", parent_span_id)):
        if (sid or what == "span") and (not _HEX16.fullmatch(sid) or sid == "0" * 16):
            raise BadRequest(f"span {fields['name']!r}: invalid {what} id {sid!r}")
    return {"trace_id": trace_id, "span_id": span_id, "parent_span_id": parent_span_id, **fields}


def decode_otlp_protobuf(body):
    """ExportTraceServiceRequest bytes -> list of span records. Raises BadRequest."""
    try:
        req = _pb_decode(body, _EXPORT_REQUEST)
    except RecursionError:
        raise BadRequest("protobuf: nesting too deep") from None
    spans = []
    for rs in req.get("resource_spans", []):
        resource = _attributes(rs.get("resource", {}).get("attributes", []))
        for ss in rs.get("scope_spans", []):
            scope = ss.get("scope", {})
            for sp in ss.get("spans", []):
                status = sp.get("status", {})
                spans.append(_span_record(
                    sp.get("trace_id", b"").hex(), sp.get("span_id", b"").hex(),
                    sp.get("parent_span_id", b"").hex(), name=sp.get("name", ""),
                    span_kind=sp.get("kind", 0), start_ns=sp.get("start", 0), end_ns=sp.get("end", 0),
                    attributes=_attributes(sp.get("attributes", [])),
                    status={"code": status.get("code", 0), "message": status.get("message", "")},
                    resource=resource,
                    scope={"name": scope.get("name", ""), "version": scope.get("version", "")}))
    return spans


# --------------------------------------------------------------------------------------------
# OTLP/JSON (lowerCamelCase field names, ids as hex, 64-bit integers as string or number)

def _j(parent, key, kind):
    """parent[key] checked against kind ('obj', 'list', 'str'); absent or null gives the default."""
    value = parent.get(key)
    default, typ = {"obj": ({}, dict), "list": ([], list), "str": ("", str)}[kind]
    if value is None:
        return default
    if not isinstance(value, typ) or (kind == "list" and not all(isinstance(v, dict) for v in value)):
        raise BadRequest(f"OTLP/JSON: {key!r} must be {'an array of objects' if kind == 'list' else kind}")
    return value


def _j_int(value, what, lo, hi):
    """An integer given as a JSON number or a decimal string, within [lo, hi)."""
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value < hi:
        raise BadRequest(f"OTLP/JSON: {what} must be an integer in range, got {value!r}")
    return value


def _j_any(v):
    if v is None or v == {}:
        return None
    if not isinstance(v, dict) or len(v) != 1:
        raise BadRequest(f"OTLP/JSON: AnyValue must have exactly one member, got {v!r}")
    (k, x), = v.items()
    if k == "stringValue" and isinstance(x, str) or k == "boolValue" and isinstance(x, bool):
        return x
    if k == "intValue":
        return _j_int(x, "intValue", -(1 << 63), 1 << 63)
    if k == "doubleValue":
        if x in ("NaN", "Infinity", "-Infinity") or isinstance(x, (int, float)) and not isinstance(x, bool):
            return float(x)
    elif k == "arrayValue" and isinstance(x, dict):
        values = x.get("values") or []
        if isinstance(values, list):
            return [_j_any(e) for e in values]
    elif k == "kvlistValue" and isinstance(x, dict):
        return _j_attributes(x, "values")
    elif k == "bytesValue" and isinstance(x, str):
        try:
            return {"bytes": base64.b64decode(x, validate=True).hex()}
        except binascii.Error:
            pass
    raise BadRequest(f"OTLP/JSON: bad AnyValue {v!r}")


def _j_attributes(obj, key="attributes"):
    pairs = _j(obj, key, "list")
    for kv in pairs:
        if not isinstance(kv.get("key"), str):
            raise BadRequest("OTLP/JSON: attribute without a string key")
    return _attributes({"key": kv["key"], "value": _j_any(kv.get("value"))} for kv in pairs)


def _json_body(body):
    try:
        return json.loads(body)
    except (ValueError, RecursionError) as e:  # UnicodeDecodeError is a ValueError
        raise BadRequest(f"Invalid JSON: {e}") from None


def decode_otlp_json(body):
    """OTLP/JSON ExportTraceServiceRequest -> list of span records. Raises BadRequest."""
    doc = _json_body(body)
    if not isinstance(doc, dict):
        raise BadRequest("OTLP/JSON: the request must be an object")
    spans = []
    try:
        for rs in _j(doc, "resourceSpans", "list"):
            resource = _j_attributes(_j(rs, "resource", "obj"))
            for ss in _j(rs, "scopeSpans", "list"):
                scope = _j(ss, "scope", "obj")
                for sp in _j(ss, "spans", "list"):
                    status = _j(sp, "status", "obj")
                    name = _j(sp, "name", "str")
                    spans.append(_span_record(
                        _j(sp, "traceId", "str"), _j(sp, "spanId", "str"), _j(sp, "parentSpanId", "str"),
                        name=name, span_kind=_j_int(sp.get("kind", 0), "kind", 0, 1 << 31),
                        start_ns=_j_int(sp.get("startTimeUnixNano", 0), "startTimeUnixNano", 0, 1 << 64),
                        end_ns=_j_int(sp.get("endTimeUnixNano", 0), "endTimeUnixNano", 0, 1 << 64),
                        attributes=_j_attributes(sp),
                        status={"code": _j_int(status.get("code", 0), "status.code", 0, 1 << 31),
                                "message": _j(status, "message", "str")},
                        resource=resource,
                        scope={"name": _j(scope, "name", "str"), "version": _j(scope, "version", "str")}))
    except RecursionError:
        raise BadRequest("OTLP/JSON: nesting too deep") from None
    return spans


# --------------------------------------------------------------------------------------------
# Store and fault switches

class Store:
    """Every stored line, in memory (for GET /__admin/store) and appended to a JSONL file."""

    def __init__(self, path):
        self.lock, self.lines = threading.Lock(), []
        self.file = open(path, "w", encoding="utf-8")  # a new server starts with an empty store

    def add(self, lines):
        with self.lock:  # the lines of one request stay together
            for line in lines:
                self.lines.append(line)
                self.file.write(json.dumps(line) + "\n")
            self.file.flush()

    def snapshot(self, kind=None):
        with self.lock:
            return [ln for ln in self.lines if kind is None or ln["kind"] == kind]

    def reset(self):
        with self.lock:
            self.lines.clear()
            self.file.seek(0)
            self.file.truncate()


def _num(spec, key, default, lo, hi, typ=int):
    value = spec.get(key, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or typ is int and value != int(value):
        raise BadRequest(f"fault: {key} must be a number")
    return min(max(typ(value), lo), hi)


class Faults:
    """Armed fault switches, first armed first served. A fault fires on the next matching
    request to a data endpoint; each firing uses up one of its count (-1: never used up)."""

    MODES = ("500", "503_html", "429", "429_date", "drop_before_body", "drop_after_body", "slow",
             "otlp_400_span", "207_errors", "413", "max_body")

    def __init__(self):
        self.lock, self.armed = threading.Lock(), []

    def arm(self, spec):
        """Validate and arm {"mode", "count", "path"?, mode parameters...}; returns the armed form."""
        if not isinstance(spec, dict) or spec.get("mode") not in self.MODES + ("off",):
            raise BadRequest(f"fault: mode must be one of {', '.join(self.MODES)} or off")
        mode = spec["mode"]
        if mode == "off":
            self.clear()
            return {"mode": "off"}
        f = {"mode": mode, "count": spec.get("count", 1), "path": spec.get("path")}
        if not (isinstance(f["count"], int) and (f["count"] >= 1 or f["count"] == -1)):
            raise BadRequest("fault: count must be an integer >= 1, or -1 (forever)")
        if f["path"] not in (None, OTLP_PATH, INGESTION_PATH, SCORES_PATH):
            raise BadRequest("fault: path must be one of the data endpoints")
        if mode in ("429", "429_date"):
            f["retry_after"] = _num(spec, "retry_after", 1, 0, 86400)
        elif mode == "slow":
            f["delay_s"] = _num(spec, "delay_s", 3, 0, 30, float)
        elif mode == "max_body":
            f["bytes"] = _num(spec, "bytes", None, 0, MAX_BODY)
        elif mode == "otlp_400_span":
            if not isinstance(spec.get("span_name"), str):
                raise BadRequest("fault: otlp_400_span needs span_name")
            f["span_name"] = spec["span_name"]
        elif mode == "207_errors":
            ids, status = spec.get("fail_ids", []), spec.get("status", [400, 500])
            every = _num(spec, "fail_every", 0, 0, 1 << 30)  # 0: unused
            status = [status] if isinstance(status, int) else status
            if not (isinstance(ids, list) and all(isinstance(i, str) for i in ids) and (ids or every)
                    and isinstance(status, list) and status
                    and all(isinstance(s, int) and 100 <= s <= 599 for s in status)):
                raise BadRequest("fault: 207_errors needs fail_ids (strings) or fail_every (>= 1); "
                                 "status is an HTTP status or a list of them")
            f.update(fail_ids=ids, fail_every=every, status=status)
        with self.lock:
            self.armed.append(f)
        return dict(f)

    def take(self, path, modes, fires=lambda f: True):
        """The first armed fault of one of modes that applies to path and fires, used up once."""
        with self.lock:
            for f in self.armed:
                if f["mode"] in modes and f["path"] in (None, path) and fires(f):
                    if f["count"] > 0:
                        f["count"] -= 1
                        if f["count"] == 0:
                            self.armed.remove(f)
                    return dict(f)
        return None

    def clear(self):
        with self.lock:
            self.armed.clear()


def _fault_reply(f):
    """The HttpError of a status fault (500, 503_html, 429, 429_date)."""
    if f["mode"] == "500":
        return HttpError(500, {"message": "Internal Server Error", "error": "fault 500"})
    if f["mode"] == "503_html":
        return HttpError(503, "<html><head><title>503 Service Temporarily Unavailable</title></head>"
                              "<body><center><h1>503 Service Temporarily Unavailable</h1></center>"
                              "<hr><center>nginx</center></body></html>\r\n", "text/html")
    delay = f["retry_after"]
    retry = str(delay) if f["mode"] == "429" else formatdate(time.time() + delay, usegmt=True)
    return HttpError(429, {"message": "Rate limit exceeded"}, headers=(
        ("Retry-After", retry), ("X-RateLimit-Limit", "1000"), ("X-RateLimit-Remaining", "0"),
        ("X-RateLimit-Reset", str(int(time.time() + delay)))))


# --------------------------------------------------------------------------------------------
# Data endpoints: body -> (status, reply, lines to store)

DEPRECATION = {  # like Langfuse Cloud's 207 bodies (PR langfuse/langfuse#17261): clients must ignore it
    "message": "POST /api/public/ingestion is deprecated; use POST /api/public/otel/v1/traces "
               "for traces and POST /api/public/scores for scores",
    "sunset": "2026-11-16",
}


def handle_otlp(headers, body, info, faults):
    version = headers.get("x-langfuse-ingestion-version")
    if version is not None and not (re.fullmatch(r"[0-9]+", version.strip()) and int(version) <= 4):
        raise BadRequest(f"x-langfuse-ingestion-version must be an integer <= 4, got {version!r}")
    encoding = (headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding == "gzip":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(body, MAX_BODY)
        except zlib.error as e:
            raise BadRequest(f"gzip: {e}") from None
        if inflater.unconsumed_tail:
            raise HttpError(413, "inflated body too large", "text/plain")
        if not inflater.eof:
            raise BadRequest("gzip: truncated body")
    elif encoding != "identity":
        raise BadRequest(f"unsupported Content-Encoding {encoding!r}")
    info["decoded_bytes"] = len(body)
    ctype = (headers.get("Content-Type") or "").lower()
    if "application/x-protobuf" in ctype:
        info["encoding"], spans = "protobuf", decode_otlp_protobuf(body)
    elif "application/json" in ctype:
        info["encoding"], spans = "json", decode_otlp_json(body)
    else:
        raise BadRequest("Invalid content type")
    names = {s["name"] for s in spans}
    f = faults.take(OTLP_PATH, {"otlp_400_span"}, lambda f: f["span_name"] in names)
    if f:
        info["faults"].append(f["mode"])
        raise BadRequest(f"span {f['span_name']!r} rejected (fault otlp_400_span)")
    common = {"request_id": info["request_id"], "headers": info["headers"]}
    return 200, {}, [{"kind": "span", "encoding": info["encoding"], **s, **common} for s in spans]


def _event_problem(ev):
    if not isinstance(ev, dict) or not isinstance(ev.get("id"), str) or not ev["id"]:
        return "event must be an object with a non-empty string id"
    for key, typ in (("type", str), ("timestamp", str), ("body", dict)):
        if not isinstance(ev.get(key), typ):
            return f"event {key} missing or of the wrong type"
    if ev["type"] == "score-create":
        b = ev["body"]
        if not isinstance(b.get("id"), str) or not isinstance(b.get("name"), str) \
                or not isinstance(b.get("value"), (int, float, str)) or isinstance(b.get("value"), bool):
            return "score-create body needs id (string), name (string) and value (number or string)"
    return None


def handle_ingestion(headers, body, info, faults):
    if "application/json" not in (headers.get("Content-Type") or "").lower():
        raise BadRequest("Invalid content type")
    doc = _json_body(body)
    if not isinstance(doc, dict) or not isinstance(doc.get("batch"), list):
        raise BadRequest("body must be {\"batch\": [...]}")
    f = faults.take(INGESTION_PATH, {"207_errors"})
    if f:
        info["faults"].append(f["mode"])
    successes, errors, lines, n_failed = [], [], [], 0
    for i, ev in enumerate(doc["batch"]):
        eid = ev["id"] if isinstance(ev, dict) and isinstance(ev.get("id"), str) else "unknown"
        problem = _event_problem(ev)
        if problem:
            errors.append({"id": eid, "status": 400, "message": "Invalid request data", "error": problem})
        elif f and (eid in f["fail_ids"] or f["fail_every"] and (i + 1) % f["fail_every"] == 0):
            status = f["status"][n_failed % len(f["status"])]
            n_failed += 1
            errors.append({"id": eid, "status": status, "message": "fault 207_errors", "error": "injected"})
        else:
            common = {"envelope_id": eid, "timestamp": ev["timestamp"], "request_id": info["request_id"]}
            if ev["type"] == "score-create":
                lines.append({**ev["body"], "kind": "score", "endpoint": "ingestion", **common})
            else:
                lines.append({"kind": "event", "type": ev["type"], "body": ev["body"], **common})
            successes.append({"id": eid, "status": 201})
    return 207, {"successes": successes, "errors": errors, "_deprecation": DEPRECATION}, lines


def handle_score(headers, body, info, faults):
    score = _json_body(body)
    if not isinstance(score, dict) or not isinstance(score.get("name"), str) \
            or not isinstance(score.get("value"), (int, float, str)) or isinstance(score.get("value"), bool):
        raise BadRequest("a score needs name (string) and value (number or string)")
    score.setdefault("id", str(uuid.uuid4()))
    line = {**score, "kind": "score", "endpoint": "scores", "request_id": info["request_id"]}
    return 200, {"id": score["id"]}, [line]


DATA_ENDPOINTS = {OTLP_PATH: handle_otlp, INGESTION_PATH: handle_ingestion, SCORES_PATH: handle_score}


# --------------------------------------------------------------------------------------------
# HTTP(S) server

class Handler(BaseHTTPRequestHandler):
    """One instance per connection (HTTP/1.1 keep-alive); TLS handshake in the connection's thread."""

    protocol_version = "HTTP/1.1"
    server_version = "lft-collector"
    disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

    def version_string(self):  # the Server header
        return self.server_version

    def setup(self):
        self.timeout = self.server.idle_seconds
        self.conn_id, self.n_requests, self.note, self.tls = self.server.next_id("conn"), 0, "", None
        self.expect_100 = False
        if self.server.ssl_context:
            self.request.settimeout(self.timeout)
            self.request = self.server.ssl_context.wrap_socket(self.request, server_side=True)
            self.tls = {"version": self.request.version(), "cipher": self.request.cipher()[0],
                        "resumed": self.request.session_reused}
        super().setup()

    def finish(self):
        try:
            super().finish()
        finally:
            self.connection.close()

    # one log line per request
    def log_request(self, code="-", size="-"):
        log(f"conn {self.conn_id}#{self.n_requests} {self.command} {self.path} -> {code}{self.note}")

    def log_message(self, fmt, *args):
        log(f"conn {self.conn_id}: {fmt % args}")

    def handle_expect_100(self):  # answered only when the body is read (see _read_body)
        self.expect_100 = True
        return True

    def _reply(self, status, body=b"", ctype="application/json", headers=()):
        self.expect_100 = False  # a final reply instead of 100 Continue
        if not isinstance(body, bytes):
            body = (json.dumps(body) if ctype == "application/json" else str(body)).encode()
        self.send_response(status)  # also sends Date (IMF-fixdate) and Server
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def _drop(self):
        """Close the TCP connection without a reply (and without a TLS close_notify)."""
        self.close_connection = True
        self.log_request("dropped")
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _read_body(self):
        """The request body (Content-Length or chunked). Errors close the connection."""
        te, length = self.headers.get("Transfer-Encoding"), self.headers.get("Content-Length")
        if self.expect_100:
            self.expect_100 = False
            self.send_response_only(100)
            self.end_headers()
        if te is not None:
            if te.strip().lower() != "chunked" or length is not None:
                raise BadRequest("unsupported Transfer-Encoding (or with Content-Length)", close=True)
            return self._read_chunked()
        if length is None:
            return b""
        if not re.fullmatch(r"[0-9]+", length.strip()):
            raise BadRequest("bad Content-Length", close=True)
        if int(length) > MAX_BODY:
            raise HttpError(413, "Request Entity Too Large", "text/plain", close=True)
        body = self.rfile.read(int(length))
        if len(body) < int(length):
            raise ConnectionError("client closed the connection inside the body")
        return body

    def _read_chunked(self):
        body = bytearray()
        while True:
            line = self.rfile.readline(1024)
            if not line.endswith(b"\n"):
                raise ConnectionError("client closed the connection inside a chunked body")
            size = line.split(b";", 1)[0].strip()
            if not re.fullmatch(rb"[0-9a-fA-F]{1,8}", size):
                raise BadRequest("bad chunk size", close=True)
            size = int(size, 16)
            if size == 0:
                break
            if len(body) + size > MAX_BODY:
                raise HttpError(413, "Request Entity Too Large", "text/plain", close=True)
            chunk = self.rfile.read(size)
            if len(chunk) < size:
                raise ConnectionError("client closed the connection inside a chunk")
            body += chunk
            if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise BadRequest("chunk data not followed by CRLF", close=True)
        while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):  # trailers
            pass
        return bytes(body)

    def _authorized(self):
        scheme, _, cred = (self.headers.get("Authorization") or "").partition(" ")
        try:
            pk, _, sk = base64.b64decode(cred.strip(), validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return scheme.lower() == "basic" and (pk, sk) == (self.server.public_key, self.server.secret_key)

    def _begin(self):
        self.n_requests += 1
        self.note = ""
        return urlsplit(self.path)

    def do_GET(self):
        url = self._begin()
        if url.path == "/__admin/store":
            kind = parse_qs(url.query).get("kind", [None])[0]
            self._reply(200, self.server.store.snapshot(kind))
        elif url.path in DATA_ENDPOINTS:
            self._reply(405, {"message": "Method not allowed"})
        else:
            self._reply(404, {"message": "Not found"})

    def do_POST(self):
        path = self._begin().path
        if path in DATA_ENDPOINTS:
            return self._data(path)
        try:
            body = self._read_body()
            if path == "/__admin/reset":
                self.server.store.reset()
                self.server.faults.clear()
                self._reply(200, {"ok": True})
            elif path == "/__admin/fault":
                self._reply(200, {"armed": self.server.faults.arm(_json_body(body))})
            elif path == "/__admin/shutdown":
                self.close_connection = True
                self._reply(200, {"ok": True})
                self.server.stop("POST /__admin/shutdown")
            else:
                self._reply(404, {"message": "Not found"})
        except HttpError as e:
            self.close_connection |= e.close
            self._reply(e.status, e.body, e.ctype, e.headers)

    def _data(self, path):
        """A data endpoint: faults, body, auth, decoding; store, then reply (or drop)."""
        srv, faults = self.server, self.server.faults
        hdrs = {h: self.headers.get(h) for h in RECORDED_HEADERS}
        info = {"kind": "request", "request_id": srv.next_id("request"), "time": time.time(),
                "method": "POST", "path": path, "status": None, "faults": [], "body_bytes": None,
                "connection_id": self.conn_id, "request_on_connection": self.n_requests,
                "tls": self.tls, "headers": hdrs, "items": 0}

        def take(modes, fires=lambda f: True):
            f = faults.take(path, modes, fires)
            if f:
                info["faults"].append(f["mode"])
            return f

        if take({"drop_before_body"}):
            srv.store.add([info])
            self.note = " fault drop_before_body"
            return self._drop()
        lines, slow, drop_after = [], None, None
        try:
            body = self._read_body()
            info["body_bytes"] = len(body)
            if take({"413"}) or take({"max_body"}, lambda f: len(body) > f["bytes"]):
                raise HttpError(413, "Body exceeded 4.5mb limit", "text/plain")
            if not self._authorized():
                raise HttpError(401, {"error": "UnauthorizedError",
                                      "message": "Invalid credentials. Confirm that you've configured "
                                                 "the correct host."})
            f = take({"500", "503_html", "429", "429_date"})
            if f:
                raise _fault_reply(f)
            slow, drop_after = take({"slow"}), take({"drop_after_body"})
            status, reply, lines = DATA_ENDPOINTS[path](self.headers, body, info, faults)
            ctype, extra = "application/json", ()
        except HttpError as e:
            status, reply, ctype, extra = e.status, e.body, e.ctype, e.headers
            self.close_connection |= e.close
        info["status"] = None if drop_after else status
        info["items"] = len(lines)
        srv.store.add(lines + [info])  # stored before the reply: a test may read the store at once
        self.note = f" {info['body_bytes']}B {len(lines)} stored" + \
                    (f" fault {','.join(info['faults'])}" if info["faults"] else "")
        if slow:
            time.sleep(slow["delay_s"])
        if drop_after:
            return self._drop()
        self._reply(status, reply, ctype, extra)


class Collector(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, args):
        super().__init__(("127.0.0.1", args.port), Handler)
        self.public_key, self.secret_key = args.public_key, args.secret_key
        self.idle_seconds = args.idle_seconds
        self.store, self.faults = Store(args.store), Faults()
        self._ids, self._ids_lock = Counter(), threading.Lock()
        self.stop_reason = None
        self.ssl_context = None
        if not args.http:
            make_certs(args.dir)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)  # session tickets and cache: on by default
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.load_cert_chain(Path(args.dir, f"{args.cert}.pem"), Path(args.dir, f"{args.cert}.key"))
            self.ssl_context = ctx

    def server_bind(self):  # skip HTTPServer's getfqdn() (a reverse DNS lookup)
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "localhost", self.server_address[1]

    def next_id(self, what):
        with self._ids_lock:
            self._ids[what] += 1
            return self._ids[what]

    def stop(self, reason):
        """Ask serve_forever() to return (from any thread but its own)."""
        if self.stop_reason is None:
            self.stop_reason = reason
            threading.Thread(target=self.shutdown, daemon=True).start()

    def handle_error(self, request, client_address):
        """Network errors: one line. Anything else is a collector bug: with its traceback."""
        e = sys.exc_info()[1]
        what = "TLS handshake failed: " if isinstance(e, ssl.SSLError) else ""
        log(f"connection from port {client_address[1]}: {what}{e!r}")
        if not isinstance(e, OSError):
            log(traceback.format_exc())


def cmd_serve(args):
    if not args.http and not args.dir:
        sys.exit("lft_collector: serve needs --dir (certificates) unless --http")
    server = Collector(args)
    port = server.server_address[1]
    if args.portfile:
        tmp = f"{args.portfile}.tmp"
        Path(tmp).write_text(f"{port}\n")
        os.replace(tmp, args.portfile)
    signal.alarm(int(args.max_seconds) + 10)  # backstop: SIGALRM ends the process if all else fails
    timer = threading.Timer(args.max_seconds, server.stop, (f"--max-seconds {args.max_seconds} reached",))
    timer.daemon = True
    timer.start()
    log(f"listening on {'http' if args.http else 'https'}://localhost:{port} "
        f"(cert {args.cert if not args.http else '-'}, store {args.store})")
    server.serve_forever(poll_interval=0.2)
    server.server_close()
    log(f"stopped: {server.stop_reason}")


# --------------------------------------------------------------------------------------------
# tree / summary

OBSERVATION_TYPES = ("span", "generation", "event", "agent", "tool", "chain", "retriever",
                     "evaluator", "embedding", "guardrail")
MODEL_KEYS = ("langfuse.observation.model.name", "gen_ai.response.model", "gen_ai.request.model", "model")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def load_store(path):
    lines = []
    with open(path, encoding="utf-8") as f:
        for n, text in enumerate(f, 1):
            try:
                if text.strip():
                    lines.append(json.loads(text))
            except ValueError:  # e.g. a line being written right now
                print(f"{path}:{n}: not JSON, skipped", file=sys.stderr)
    return lines


def _iso_ns(value):
    try:
        dt = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    d = (dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)) - _EPOCH
    return (d.days * 86400 + d.seconds) * 10**9 + d.microseconds * 1000


def collect_traces(lines):
    """Stored spans and legacy ingestion events -> {trace id: {"name", "nodes": {id: node}, "scores"}}
    and the scores whose trace is not stored."""
    traces = defaultdict(lambda: {"name": None, "nodes": {}, "scores": []})
    for ln in lines:
        if ln.get("kind") == "span":
            a, status = ln["attributes"], ln["status"]
            t = traces[ln["trace_id"]]
            t["nodes"][ln["span_id"]] = {
                "id": ln["span_id"], "parent": ln["parent_span_id"], "name": ln["name"],
                "type": a.get("langfuse.observation.type", "span"),
                "start": ln["start_ns"], "end": ln["end_ns"],
                "model": next((a[k] for k in MODEL_KEYS if k in a), None),
                "usage": a.get("langfuse.observation.usage_details"),
                "input": a.get("langfuse.observation.input"), "output": a.get("langfuse.observation.output"),
                "error": (status["message"] or "error") if status["code"] == 2 else None}
            if a.get("langfuse.trace.name") or not ln["parent_span_id"]:
                t["name"] = t["name"] or a.get("langfuse.trace.name") or ln["name"]
        elif ln.get("kind") == "event":
            body, (obs, _, action) = ln["body"], ln["type"].rpartition("-")
            if ln["type"] == "trace-create" and isinstance(body.get("id"), str):
                traces[body["id"]]["name"] = body.get("name") or traces[body["id"]]["name"]
            elif obs in OBSERVATION_TYPES and action in ("create", "update") \
                    and isinstance(body.get("traceId"), str) and isinstance(body.get("id"), str):
                nodes = traces[body["traceId"]]["nodes"]
                node = nodes.setdefault(body["id"], {"id": body["id"], "type": obs})
                fields = {"parent": body.get("parentObservationId"), "name": body.get("name"),
                          "start": _iso_ns(body.get("startTime")), "end": _iso_ns(body.get("endTime")),
                          "model": body.get("model"), "usage": body.get("usageDetails") or body.get("usage"),
                          "input": body.get("input"), "output": body.get("output"),
                          "error": (body.get("statusMessage") or "error")
                          if body.get("level") == "ERROR" else None}
                node.update({k: v for k, v in fields.items() if v is not None})
    orphans = []
    for ln in lines:
        if ln.get("kind") == "score":
            (traces[ln["traceId"]]["scores"] if ln.get("traceId") in traces else orphans).append(ln)
    return traces, orphans


def _short(value, width=60):
    text = value if isinstance(value, str) else json.dumps(value)
    text = text.replace("\n", "\\n")
    return text if len(text) <= width else text[:width - 3] + "..."


def _score_line(s):
    extra = f" ({_short(s['comment'], 40)})" if s.get("comment") else ""
    return f"score {s.get('name')} = {_short(s.get('value'), 40)}{extra}"


def print_tree(lines, trace_id=None, out=sys.stdout):
    traces, orphans = collect_traces(lines)
    by_start = lambda n: (n.get("start") or 0, n.get("name") or "")
    for tid, t in sorted(traces.items(), key=lambda kv: min([by_start(n) for n in kv[1]["nodes"].values()]
                                                             or [(0, "")])):
        if trace_id and tid != trace_id:
            continue
        nodes = t["nodes"]
        print(f"trace {tid}  {t['name'] or '(unnamed)'}  ({len(nodes)} observations, "
              f"{len(t['scores'])} scores)", file=out)
        children, roots, seen = defaultdict(list), [], set()
        for n in nodes.values():
            (children[n["parent"]] if n.get("parent") in nodes else roots).append(n)
        node_scores = defaultdict(list)
        for s in t["scores"]:
            node_scores[s.get("observationId") if s.get("observationId") in nodes else None].append(s)

        def walk(n, depth):
            if n["id"] in seen:
                return
            seen.add(n["id"])
            pad = "  " * depth
            dur = f"{(n['end'] - n['start']) / 1e6:.3f} ms" if n.get("start") and n.get("end") else "? ms"
            text = f"{pad}{n.get('name') or '(unnamed)'} [{n['type']}] {dur}"
            text += f"  model={n['model']}" if n.get("model") else ""
            text += f"  usage={_short(n['usage'])}" if n.get("usage") else ""
            text += f"  ERROR: {_short(n['error'])}" if n.get("error") else ""
            if n.get("parent") and n["parent"] not in nodes:
                text += f"  (parent {n['parent']} not stored)"
            print(text, file=out)
            for key in ("input", "output"):
                if n.get(key) is not None:
                    print(f"{pad}    {key}: {_short(n[key])}", file=out)
            for s in node_scores[n["id"]]:
                print(f"{pad}    {_score_line(s)}", file=out)
            for c in sorted(children[n["id"]], key=by_start):
                walk(c, depth + 1)

        for r in sorted(roots, key=by_start):
            walk(r, 1)
        for n in sorted((n for n in nodes.values() if n["id"] not in seen), key=by_start):
            print("  (parent cycle)", file=out)
            walk(n, 2)
        for s in node_scores[None]:
            print(f"  {_score_line(s)}", file=out)
    if orphans and not trace_id:
        print("scores without a stored trace", file=out)
        for s in orphans:
            print(f"  {_score_line(s)}  trace={s.get('traceId')} session={s.get('sessionId')}", file=out)


def print_summary(lines, out=sys.stdout):
    kinds = Counter(ln.get("kind") for ln in lines)
    spans = [ln for ln in lines if ln.get("kind") == "span"]
    detail = {
        "request": Counter(str(ln.get("status")) for ln in lines if ln.get("kind") == "request"),
        "span": Counter(ln["encoding"] for ln in spans),
        "score": Counter(ln.get("endpoint") for ln in lines if ln.get("kind") == "score"),
        "event": Counter(ln.get("type") for ln in lines if ln.get("kind") == "event"),
    }
    for kind in sorted(kinds):
        parts = ", ".join(f"{k}: {v}" for k, v in sorted(detail.get(kind, {}).items()))
        label = "status " if kind == "request" else ""
        print(f"{kind:8} {kinds[kind]:6}" + (f"  ({label}{parts})" if parts else ""), file=out)
    print(f"traces   {len({s['trace_id'] for s in spans}):6}", file=out)


# --------------------------------------------------------------------------------------------

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("certs", help="create the test CA and server certificates")
    c.add_argument("--dir", required=True)
    c.add_argument("--server-name", action="append", default=[], metavar="NAME",
                   help="another DNS name in server.pem's SAN (next to localhost); repeatable")
    s = sub.add_parser("serve", help="run the stand-in Langfuse server on 127.0.0.1")
    s.add_argument("--dir", help="certificate directory (created with `certs` if needed)")
    s.add_argument("--port", type=int, default=0, help="0: any free port (see --portfile)")
    s.add_argument("--portfile", help="the bound port is written here once listening")
    s.add_argument("--http", action="store_true", help="plain HTTP instead of HTTPS")
    s.add_argument("--cert", choices=("server", "wronghost"), default="server")
    s.add_argument("--public-key", default="pk-lf-test")
    s.add_argument("--secret-key", default="sk-lf-test")
    s.add_argument("--store", required=True, help="JSONL file (truncated at start)")
    s.add_argument("--max-seconds", type=float, default=120, help="exit after this long")
    s.add_argument("--idle-seconds", type=float, default=30, help="close idle keep-alive connections")
    for name in ("tree", "summary"):
        t = sub.add_parser(name, help=f"print the store as {'trace trees' if name == 'tree' else 'counts'}")
        t.add_argument("--store", required=True)
        if name == "tree":
            t.add_argument("--trace-id")
    args = p.parse_args(argv)
    if args.cmd == "certs":
        created = make_certs(args.dir, tuple(args.server_name))
        print(f"{'created' if created else 'kept'} certificates in {args.dir}: {' '.join(CERT_FILES)}")
    elif args.cmd == "serve":
        cmd_serve(args)
    elif args.cmd == "tree":
        print_tree(load_store(args.store), args.trace_id)
    else:
        print_summary(load_store(args.store))


if __name__ == "__main__":
    main()
