#!/usr/bin/env python3
"""Check one POST /api/public/ingestion request body written by lftrace.

usage: check_ingest_schema.py SCHEMA|- PAYLOAD [EXPECT]

SCHEMA   ../shared/langfuse/ingestion-schema.json, validated with
         Draft202012Validator and a FormatChecker; "-" skips it.
PAYLOAD  the request body (JSON).
EXPECT   optional JSON list of expectations, each
           {"select": {PATH: VALUE, ...}, "count": N (default 1),
            "equals": {PATH: VALUE, ...}, "absent": [PATH, ...]}
         PATH is "/"-separated inside one event ("body/metadata/plan";
         keys may contain dots), list indexes as numbers. Every event that
         matches select must satisfy equals and absent, and exactly N
         events must match.

Besides the schema, the server-only rules of PROTOCOL.md 1.4 / 5 are checked
on every event: envelope id 1..800 chars without CR and unique in the
batch; a known event type; timestamps ISO-8601 with a fraction and "Z";
body.id on every event (1..800 chars, no CR; 32 hex for traces, 16 hex for
observations); traceId 32 hex and parentObservationId 16 hex when present;
environment [a-z0-9_-]{1,40} not starting with "langfuse"; promptName and
promptVersion (an int) both or neither; never the deprecated "usage"
object; usageDetails non-negative integers; endTime not before startTime;
metadata.batch_size equal to the number of events. Prints each problem and
exits 1 when there is any.
"""
import json
import re
import sys

TYPES = {
    "trace-create", "span-create", "span-update", "generation-create",
    "generation-update", "event-create", "score-create",
}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3,9}Z$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX16 = re.compile(r"^[0-9a-f]{16}$")
ENV = re.compile(r"^[a-z0-9_-]{1,40}$")
MISSING = object()


def get(obj, path):
    for part in path.split("/"):
        if isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
            obj = obj[int(part)]
        elif isinstance(obj, dict) and part in obj:
            obj = obj[part]
        else:
            return MISSING
    return obj


def valid_id(v):
    return isinstance(v, str) and 1 <= len(v) <= 800 and "\r" not in v


def check_rules(doc, problems):
    batch = doc.get("batch")
    if not isinstance(batch, list):
        problems.append("batch is not a list")
        return
    if get(doc, "metadata/batch_size") != len(batch):
        problems.append("metadata.batch_size %r != %d" % (get(doc, "metadata/batch_size"), len(batch)))
    seen = set()
    for n, ev in enumerate(batch):
        where = "event %d" % n
        eid = ev.get("id")
        if not valid_id(eid):
            problems.append("%s: bad envelope id %r" % (where, eid))
        elif eid in seen:
            problems.append("%s: duplicate envelope id %s" % (where, eid))
        seen.add(eid)
        typ = ev.get("type")
        if typ not in TYPES:
            problems.append("%s: unknown type %r" % (where, typ))
        if not isinstance(ev.get("timestamp"), str) or not ISO.match(ev["timestamp"]):
            problems.append("%s: bad timestamp %r" % (where, ev.get("timestamp")))
        body = ev.get("body")
        if not isinstance(body, dict):
            problems.append("%s: no body" % where)
            continue
        bid = body.get("id")
        if not valid_id(bid):
            problems.append("%s: body.id missing or bad: %r" % (where, bid))
        elif typ == "trace-create" and not HEX32.match(bid):
            problems.append("%s: trace id %r is not 32 hex" % (where, bid))
        elif typ != "trace-create" and typ != "score-create" and not HEX16.match(bid):
            problems.append("%s: observation id %r is not 16 hex" % (where, bid))
        if "traceId" in body and not HEX32.match(str(body["traceId"])):
            problems.append("%s: traceId %r" % (where, body["traceId"]))
        for key in ("parentObservationId", "observationId"):
            if key in body and not HEX16.match(str(body[key])):
                problems.append("%s: %s %r" % (where, key, body[key]))
        for key in ("timestamp", "startTime", "endTime", "completionStartTime"):
            if key in body and (not isinstance(body[key], str) or not ISO.match(body[key])):
                problems.append("%s: body.%s %r" % (where, key, body[key]))
        if "environment" in body:
            env = body["environment"]
            if not isinstance(env, str) or not ENV.match(env) or env.startswith("langfuse"):
                problems.append("%s: environment %r breaks the server rule" % (where, env))
        if ("promptName" in body) != ("promptVersion" in body):
            problems.append("%s: promptName and promptVersion not together" % where)
        if "promptVersion" in body and (not isinstance(body["promptVersion"], int)
                                        or isinstance(body["promptVersion"], bool)):
            problems.append("%s: promptVersion %r is not an int" % (where, body["promptVersion"]))
        if "usage" in body:
            problems.append("%s: deprecated usage object" % where)
        for k, v in (body.get("usageDetails") or {}).items():
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                problems.append("%s: usageDetails.%s = %r" % (where, k, v))
        if "startTime" in body and "endTime" in body and body["endTime"] < body["startTime"]:
            problems.append("%s: endTime before startTime" % where)


def check_expect(doc, expect, problems):
    batch = doc.get("batch") or []
    for n, e in enumerate(expect):
        sel = e.get("select", {})
        hits = [ev for ev in batch if all(get(ev, p) == v for p, v in sel.items())]
        want = e.get("count", 1)
        if len(hits) != want:
            problems.append("expect %d %s: %d events match, want %d" % (n, sel, len(hits), want))
        for ev in hits:
            for p, v in e.get("equals", {}).items():
                got = get(ev, p)
                if got != v:
                    problems.append("expect %d %s: %s = %r, want %r" % (
                        n, sel, p, None if got is MISSING else got, v))
            for p in e.get("absent", []):
                if get(ev, p) is not MISSING:
                    problems.append("expect %d %s: %s present: %r" % (n, sel, p, get(ev, p)))


def main(argv):
    if len(argv) not in (3, 4):
        print(__doc__)
        return 2
    with open(argv[2], encoding="utf-8") as f:
        doc = json.load(f)
    problems = []
    if argv[1] != "-":
        import jsonschema
        with open(argv[1], encoding="utf-8") as f:
            schema = json.load(f)
        v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
        for err in v.iter_errors(doc):
            problems.append("schema: %s at %s" % (err.message[:200], "/".join(map(str, err.path))))
    check_rules(doc, problems)
    if len(argv) == 4:
        with open(argv[3], encoding="utf-8") as f:
            check_expect(doc, json.load(f), problems)
    for p in problems:
        print(argv[2] + ": " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
