#!/usr/bin/env python3
"""End-to-end export tests: the C exporter (lft_export_driver) against the local collector.

  python3 tests/integration/test_export.py <path to lft_export_driver>

Each test starts from an empty collector store, arms the collector's fault switches, runs the
driver (which records a flow, flushes it over TLS on 127.0.0.1 and prints its counters as JSON),
and checks what arrived: every Langfuse field of the seeds' flows, exactly once, or the loss or
duplicate counted with its reason. Everything is bounded: the collector exits after
--max-seconds, every driver run has a timeout. Loopback only.
"""

import base64
import json
import os
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLLECTOR = HERE.parent / "collector" / "lft_collector.py"
DRIVER = None
TMP = None
TLS = PLAIN = WRONGHOST = None


class Server:
    """lft_collector.py serve in a subprocess, bounded by --max-seconds."""

    def __init__(self, name, *extra):
        self.name = name
        self.portfile, self.store = TMP / f"{name}.port", TMP / f"{name}.jsonl"
        self.log = TMP / f"{name}.log"
        self.plain = "--http" in extra
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [sys.executable, str(COLLECTOR), "serve", "--dir", str(TMP / "certs"), "--port", "0",
                 "--portfile", str(self.portfile), "--store", str(self.store), "--max-seconds", "600",
                 *extra], stderr=log)
        deadline = time.monotonic() + 20
        while not self.portfile.exists() or not self.portfile.read_text().strip():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                raise RuntimeError(f"collector did not start:\n{self.log.read_text()}")
            time.sleep(0.02)
        self.port = int(self.portfile.read_text())
        ctx = ssl.create_default_context(cafile=str(TMP / "certs" / "ca.pem"))
        ctx.check_hostname = False  # the admin calls also work against the wronghost certificate
        self.ctx = ctx

    def admin(self, path, doc=None):
        scheme = "http" if self.plain else "https"
        data = json.dumps(doc).encode() if doc is not None else None
        req = urllib.request.Request(f"{scheme}://localhost:{self.port}{path}", data=data,
                                     method="POST" if data is not None or path != "/__admin/store" else "GET")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=10, context=None if self.plain else self.ctx) as r:
            return json.loads(r.read() or b"null")

    def reset(self):
        self.admin("/__admin/reset", {})

    def fault(self, **spec):
        self.admin("/__admin/fault", spec)

    def lines(self, kind=None):
        return [x for x in self.admin("/__admin/store") if kind is None or x.get("kind") == kind]

    def stop(self):
        try:
            self.admin("/__admin/shutdown", {})
            self.proc.wait(10)
        except Exception:
            self.proc.kill()
            self.proc.wait(10)


def driver_cmd():
    """The driver, under valgrind when LFT_DRIVER_WRAP says so (the valgrind CI build)."""
    wrap = os.environ.get("LFT_DRIVER_WRAP", "").split()
    return wrap + [str(DRIVER)]


def run_driver(server, *args, timeout=600, expect_rc=0):
    cmd = driver_cmd() + ["--port", str(server.port)]
    if server.plain:
        cmd.append("--plain")
    else:
        cmd += ["--ca", str(TMP / "certs" / "ca.pem")]
    cmd += [str(a) for a in args]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if p.returncode != expect_rc:
        raise AssertionError(f"driver exited {p.returncode}\nstdout:{p.stdout}\nstderr:{p.stderr}")
    if expect_rc != 0:
        return None
    out = json.loads(p.stdout.strip().splitlines()[-1])
    out["stderr"] = p.stderr
    return out


def setUpModule():
    global TMP, TLS, PLAIN, WRONGHOST
    TMP = Path(tempfile.mkdtemp(prefix="lft-export-", dir=os.environ.get("LFT_TEST_TMP")))
    subprocess.run([sys.executable, str(COLLECTOR), "certs", "--dir", str(TMP / "certs")], check=True,
                   capture_output=True, timeout=60)
    TLS = Server("tls")
    PLAIN = Server("plain", "--http")
    WRONGHOST = Server("wronghost", "--cert", "wronghost")


def tearDownModule():
    for s in (TLS, PLAIN, WRONGHOST):
        if s is not None:
            s.stop()


def by_name(spans):
    return {s["name"]: s for s in spans}


class SupportQueryTest(unittest.TestCase):
    """The seeds' support-query flow arrives with every field mapped (PROTOCOL.md 3.2)."""

    def check_flow(self, server, *args):
        server.reset()
        out = run_driver(server, "--flow", "support", *args)
        self.assertEqual(out["flush"], ["LFT_OK"], out)
        spans = server.lines("span")
        self.assertEqual(len(spans), 4, [s["name"] for s in spans])
        n = by_name(spans)
        trace, retrieval, rerank, llm = n["support-query"], n["retrieval"], n["rerank"], n["llm-answer"]
        self.assertEqual(len({s["trace_id"] for s in spans}), 1)
        self.assertEqual(trace["parent_span_id"], "")
        for child in (retrieval, llm):
            self.assertEqual(child["parent_span_id"], trace["span_id"])
        self.assertEqual(rerank["parent_span_id"], retrieval["span_id"])
        for s in spans:  # trace fields on every span (v4 guidance)
            a = s["attributes"]
            self.assertEqual(a.get("langfuse.trace.name"), "support-query", s["name"])
            self.assertEqual(a.get("user.id"), "user_123", s["name"])
            self.assertEqual(a.get("session.id"), "session_abc", s["name"])
            self.assertEqual(a.get("langfuse.trace.tags"), ["support", "production"], s["name"])
            self.assertEqual(a.get("langfuse.trace.metadata.plan"), "pro", s["name"])
            self.assertEqual(a.get("langfuse.trace.metadata.source"), "web-chat", s["name"])
            self.assertGreater(s["end_ns"], 1_700_000_000 * 10**9)  # a real date, never 1970
            self.assertGreaterEqual(s["end_ns"], s["start_ns"])
            res = s["resource"]
            self.assertEqual(res.get("service.name"), "support-bot")
            self.assertEqual(res.get("service.version"), "1.0.0")
            self.assertEqual(res.get("telemetry.sdk.name"), "lftrace")
            self.assertEqual(res.get("telemetry.sdk.language"), "c")
            self.assertIn("telemetry.sdk.version", res)
            self.assertEqual(res.get("device.id"), "edge-7")
            self.assertEqual(s["scope"]["name"], "lftrace")
            env = s["attributes"].get("langfuse.environment", res.get("deployment.environment.name"))
            self.assertEqual(env, "production")
            rel = s["attributes"].get("langfuse.release", res.get("langfuse.release"))
            self.assertEqual(rel, "v1.2.3")
        self.assertEqual(json.loads(retrieval["attributes"]["langfuse.observation.input"]),
                         {"query": "How do I reset my password?"})
        self.assertEqual(json.loads(retrieval["attributes"]["langfuse.observation.output"]),
                         ["Reset via Settings > Security"])
        self.assertEqual(rerank["attributes"]["langfuse.observation.type"], "event")
        self.assertEqual(json.loads(rerank["attributes"]["langfuse.observation.input"]), {"before": 10, "after": 5})
        a = llm["attributes"]
        self.assertEqual(a["langfuse.observation.type"], "generation")
        model = a.get("langfuse.observation.model.name", a.get("gen_ai.request.model"))
        self.assertEqual(model, "gpt-4o-mini")
        self.assertEqual(a["gen_ai.request.model"], "gpt-4o-mini")
        self.assertEqual(a["gen_ai.usage.input_tokens"], 42)
        self.assertEqual(a["gen_ai.usage.output_tokens"], 18)
        if "langfuse.observation.usage_details" in a:
            self.assertEqual(json.loads(a["langfuse.observation.usage_details"]),
                             {"input": 42, "output": 18, "total": 60})
        else:
            self.assertEqual(a.get("gen_ai.usage.total_tokens"), 60)
        self.assertEqual(json.loads(a["langfuse.observation.model.parameters"]),
                         {"temperature": 0.2, "max_tokens": 256})
        self.assertIn("langfuse.observation.completion_start_time", a)
        cst = a["langfuse.observation.completion_start_time"]
        self.assertRegex(cst, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
        self.assertEqual(json.loads(a["langfuse.observation.output"]) if a["langfuse.observation.output"].startswith('"')
                         else a["langfuse.observation.output"],
                         "Go to Settings > Security and choose Reset password.")
        self.assertIn("langfuse.trace.input", trace["attributes"])
        self.assertIn("langfuse.trace.output", trace["attributes"])
        # 150 ms to the first token, 400 ms in all: exact, from the recorded monotonic times
        self.assertEqual(llm["end_ns"] - llm["start_ns"], 400_000_000)
        scores = server.lines("score")
        self.assertEqual(len(scores), 1)
        sc = scores[0]
        self.assertEqual(sc["name"], "helpfulness")
        self.assertAlmostEqual(sc["value"], 0.92)
        self.assertEqual(sc["comment"], "Answered correctly with context.")
        self.assertEqual(sc["traceId"], trace["trace_id"])
        reqs = [r for r in server.lines("request") if r["status"] is not None]
        for r in reqs:
            h = r["headers"]
            otlp = r["path"].endswith("/otel/v1/traces")
            self.assertEqual(h["x-langfuse-ingestion-version"], "4" if otlp else None, r["path"])
            self.assertEqual(h["x-langfuse-sdk-name"], "lftrace")
            self.assertTrue(h["x-langfuse-sdk-version"])
            self.assertTrue(h["user-agent"].startswith("lftrace/"))
        self.assertEqual(out["acknowledged"], 5)
        self.assertEqual(out["dropped_rejected"] + out["dropped_retries"] + out["maybe_duplicated"], 0)
        self.assertEqual(out["arena_in_use"], 0, "TLS arena leaked")
        return out, spans, reqs

    def test_protobuf_over_tls(self):
        out, spans, reqs = self.check_flow(TLS)
        self.assertTrue(all(s["encoding"] == "protobuf" for s in spans))
        self.assertEqual(out["handshakes_full"], 1)
        self.assertTrue(all(r["tls"] is not None for r in reqs))
        otlp = [r for r in reqs if r["path"].endswith("/traces")]
        self.assertEqual(otlp[0]["headers"]["content-type"], "application/x-protobuf")
        print(f"support-query over TLS: {otlp[0]['body_bytes']} B protobuf body, "
              f"arena high water {out['arena_high_water']} B")

    def test_json_over_tls(self):
        out, spans, reqs = self.check_flow(TLS, "--json")
        self.assertTrue(all(s["encoding"] == "json" for s in spans))

    def test_plain_http_only_when_allowed(self):
        out, spans, reqs = self.check_flow(PLAIN)
        self.assertTrue(all(r["tls"] is None for r in reqs))

    def test_scores_api_endpoint(self):
        TLS.reset()
        out = run_driver(TLS, "--flow", "support", "--scores-api")
        self.assertEqual(out["flush"], ["LFT_OK"])
        scores = TLS.lines("score")
        self.assertEqual([s["endpoint"] for s in scores], ["scores"])

    def test_wall_clock_from_date_header(self):
        """No wall clock on the device: the first reply's Date sets it; times are right."""
        TLS.reset()
        out = run_driver(TLS, "--flow", "support", "--no-wall")
        self.assertEqual(out["flush"], ["LFT_OK"])
        now_ns = time.time_ns()
        for s in TLS.lines("span"):
            self.assertLess(abs(s["end_ns"] - now_ns), 120 * 10**9, s["name"])

    def test_keep_alive_one_full_handshake(self):
        """Ten flushes: one connection reused, at most one full handshake."""
        TLS.reset()
        out = run_driver(TLS, "--flow", "support", "--flushes", "10")
        self.assertEqual(out["flush"], ["LFT_OK"] * 10)
        self.assertEqual(len(TLS.lines("span")), 40)
        self.assertEqual(out["handshakes_full"], 1)
        reqs = TLS.lines("request")
        self.assertEqual(len({r["connection_id"] for r in reqs}), 1)


class ErrorFlowTest(unittest.TestCase):
    def test_error_level_and_error_score(self):
        TLS.reset()
        out = run_driver(TLS, "--flow", "errors")
        self.assertEqual(out["flush"], ["LFT_OK"])
        n = by_name(TLS.lines("span"))
        g = n["llm-call"]
        self.assertEqual(g["status"]["code"], 2)
        msg = g["attributes"].get("langfuse.observation.status_message", g["status"]["message"])
        self.assertEqual(msg, "rate limit exceeded")
        ev = n["rate-limit"]
        self.assertEqual(ev["attributes"]["langfuse.observation.level"], "WARNING")
        sc = TLS.lines("score")
        self.assertEqual(len(sc), 1)
        self.assertEqual(sc[0]["value"], "rate_limit")
        self.assertEqual(sc[0]["observationId"], g["span_id"])


class FaultTest(unittest.TestCase):
    """Under each fault switch everything arrives exactly once, or the loss/duplicate is counted."""

    COUNT = 40  # traces of one span: 80 spans, and 4 scores

    def run_faulted(self, *args, **fault):
        TLS.reset()
        if fault:
            TLS.fault(**fault)
        return run_driver(TLS, "--flow", "many", "--count", self.COUNT, *args)

    def assert_exactly_once(self, out, allow_dup=0):
        spans = TLS.lines("span")
        ids = Counter(s["span_id"] for s in spans)
        dups = sum(c - 1 for c in ids.values())
        self.assertEqual(len(ids), 2 * self.COUNT, "every span arrived")
        self.assertLessEqual(dups, out["maybe_duplicated"], "duplicates only where counted")
        if not allow_dup:
            self.assertEqual(dups, 0)
        scores = TLS.lines("score")
        self.assertEqual(len({s["id"] for s in scores}), self.COUNT // 10)
        self.assertEqual(out["dropped_rejected"] + out["dropped_retries"] + out["dropped_oversize"], 0)
        return dups

    def test_500(self):
        out = self.run_faulted(mode="500", count=3)
        self.assertEqual(out["flush"], ["LFT_OK"])
        self.assert_exactly_once(out)
        self.assertGreaterEqual(out["retries"], 3)

    def test_503_html(self):
        out = self.run_faulted(mode="503_html", count=2)
        self.assertEqual(out["flush"], ["LFT_OK"])
        self.assert_exactly_once(out)

    def test_429_retry_after(self):
        out = self.run_faulted(mode="429", count=1, retry_after=7)
        self.assertEqual(out["flush"], ["LFT_OK"])
        self.assert_exactly_once(out)
        self.assertGreaterEqual(out["slept_ms"], 7000, "Retry-After honoured")

    def test_429_http_date(self):
        out = self.run_faulted(mode="429_date", count=1, retry_after=30)
        self.assertEqual(out["flush"], ["LFT_OK"])
        self.assert_exactly_once(out)
        self.assertGreaterEqual(out["slept_ms"], 25000, "Retry-After date honoured")

    def test_drop_before_body(self):
        out = self.run_faulted(mode="drop_before_body", count=2)
        self.assertEqual(out["flush"], ["LFT_OK"])
        self.assert_exactly_once(out)

    def test_drop_after_body_counts_duplicates(self):
        out = self.run_faulted(mode="drop_after_body", count=1)
        self.assertEqual(out["flush"], ["LFT_OK"])
        dups = self.assert_exactly_once(out, allow_dup=1)
        self.assertGreater(out["maybe_duplicated"], 0)
        self.assertGreater(dups, 0)

    def test_slow_reply_timeout(self):
        out = self.run_faulted("--io-timeout", "500", mode="slow", delay_s=2, count=1)
        self.assertEqual(out["flush"], ["LFT_OK"])
        self.assert_exactly_once(out, allow_dup=1)
        self.assertGreater(out["maybe_duplicated"], 0)

    def test_otlp_400_isolates_one_span(self):
        out = self.run_faulted(mode="otlp_400_span", span_name="span-17", count=-1)
        self.assertEqual(out["flush"], ["LFT_ERR_REJECTED"])
        names = Counter(s["name"] for s in TLS.lines("span"))
        self.assertNotIn("span-17", names)
        self.assertEqual(len(names), 2 * self.COUNT - 1, "every valid span delivered")
        self.assertEqual(max(names.values()), 1)
        self.assertEqual(out["dropped_rejected"], 1)

    def test_413_splits(self):
        out = self.run_faulted(mode="max_body", bytes=2000, count=-1)
        self.assertEqual(out["flush"], ["LFT_OK"])
        self.assert_exactly_once(out)
        reqs = [r for r in TLS.lines("request") if r["status"] == 413]
        self.assertGreater(len(reqs), 0)

    def test_max_request_bytes_never_exceeded(self):
        out = self.run_faulted("--max-request", "1500")
        self.assertEqual(out["flush"], ["LFT_OK"])
        self.assert_exactly_once(out)
        for r in TLS.lines("request"):
            self.assertLessEqual(r["body_bytes"], 1500)

    def test_207_per_event_errors(self):
        TLS.reset()
        # score ids are deterministic per run: fail every 2nd event, with 400 then 500 in turn
        TLS.fault(mode="207_errors", fail_every=2, status=[400, 500], count=1)
        out = run_driver(TLS, "--flow", "many", "--count", self.COUNT)
        self.assertEqual(out["flush"], ["LFT_ERR_REJECTED"])
        scores = TLS.lines("score")
        # 4 scores: #2 fails with 400 (dropped, counted), #4 with 500 (retried, arrives once)
        self.assertEqual(len(scores), 3)
        self.assertEqual(len({s["id"] for s in scores}), 3)
        self.assertEqual(out["dropped_rejected"], 1)

    def test_401_not_retried(self):
        TLS.reset()
        cmd = driver_cmd() + ["--port", str(TLS.port), "--ca", str(TMP / "certs" / "ca.pem"), "--flow", "support"]
        # wrong keys are a permanent 401: dropped and counted, never retried
        env = dict(os.environ, LFT_DRIVER_SECRET="sk-lf-wrong")
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600, env=env)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertEqual(out["flush"], ["LFT_ERR_REJECTED"])
        self.assertEqual(out["retries"], 0)
        self.assertEqual(out["dropped_rejected"], 5)
        self.assertEqual(out["last_status"], 401)


class OutageTest(unittest.TestCase):
    def test_long_outage_loses_only_what_did_not_fit(self):
        """Hours offline (test clock): what fit in the ring arrives, the rest is counted exactly."""
        for policy in ([], ["--drop-oldest"]):
            with self.subTest(policy=policy or "drop-newest"):
                TLS.reset()
                out = run_driver(TLS, "--outage-port", "1", "--count", "400", "--ring", "8192", *policy)
                self.assertEqual(out["flush"], ["LFT_OK"])
                spans = TLS.lines("span")
                ids = Counter(s["span_id"] for s in spans)
                self.assertEqual(max(ids.values()), 1)
                # only real observations: named as recorded (an end whose start was
                # overwritten is not exported as a nameless span of an unknown trace)
                for s in spans:
                    self.assertRegex(s["name"], r"^(trace|span)-\d+$")
                lost = out["dropped_ring_full"] + out["dropped_overwritten"]
                self.assertGreater(lost, 0, "the outage overflowed the ring")
                self.assertEqual(out["pending_records"], 0)
                # every observation that completed reached the collector
                self.assertEqual(len(spans), out["acknowledged"])
                self.assertGreater(out["retries"], 10)
                # the losses reached the backend as resource attributes
                res = spans[-1]["resource"]
                got = res.get("lftrace.dropped.ring_full", 0) + res.get("lftrace.dropped.overwritten", 0)
                self.assertEqual(got, lost)


SHARED = Path(os.environ.get("LFT_SHARED_DIR") or HERE.parents[1].parent / "shared")
SCHEMA = SHARED / "langfuse" / "ingestion-schema.json"
CHECK_SCHEMA = HERE.parent / "unit" / "check_ingest_schema.py"
STORE_ONLY = {"kind", "endpoint", "envelope_id", "timestamp", "request_id"}


def ingestion_requests(server):
    """What arrived at /api/public/ingestion, as one batch per request (stored events only)."""
    reqs = {}
    for x in server.lines():
        if x["kind"] == "event":
            ev = {"id": x["envelope_id"], "type": x["type"], "timestamp": x["timestamp"], "body": x["body"]}
        elif x["kind"] == "score" and x.get("endpoint") == "ingestion":
            ev = {"id": x["envelope_id"], "type": "score-create", "timestamp": x["timestamp"],
                  "body": {k: v for k, v in x.items() if k not in STORE_ONLY}}
        else:
            continue
        reqs.setdefault(x["request_id"], []).append(ev)
    return [reqs[k] for k in sorted(reqs)]


class IngestionTest(unittest.TestCase):
    """Issue #4: the batch-ingestion exporter (trace-create, span-create/-update, ...)."""

    def validate(self, server):
        """Every batch that arrived validates against the schema and the server-only rules."""
        batches = ingestion_requests(server)
        self.assertTrue(batches)
        schema = str(SCHEMA) if SCHEMA.exists() else "-"
        if schema == "-":
            print("SKIP schema: ../shared not found (server-only rules still checked)")
        for i, events in enumerate(batches):
            f = TMP / f"ingest-{i}.json"
            f.write_text(json.dumps({"batch": events, "metadata": {"batch_size": len(events)}}))
            p = subprocess.run([sys.executable, str(CHECK_SCHEMA), schema, str(f)], capture_output=True,
                               text=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return [e for b in batches for e in b]

    def events(self, flow, *args, flushes=1):
        TLS.reset()
        out = run_driver(TLS, "--ingestion", "--flow", flow, "--flushes", flushes, *args)
        return out, self.validate(TLS)

    def test_support_query(self):
        out, evs = self.events("support")
        self.assertEqual(out["flush"], ["LFT_OK"])
        by = {(e["type"], e["body"].get("name")): e for e in evs}
        self.assertEqual(len(evs), 5)
        tr = by[("trace-create", "support-query")]["body"]
        self.assertEqual(tr["userId"], "user_123")
        self.assertEqual(tr["sessionId"], "session_abc")
        self.assertEqual(tr["metadata"], {"plan": "pro", "source": "web-chat"})
        self.assertEqual(tr["tags"], ["support", "production"])
        self.assertEqual(tr["environment"], "production")
        self.assertEqual(tr["release"], "v1.2.3")
        sp = by[("span-create", "retrieval")]["body"]
        self.assertEqual(sp["traceId"], tr["id"])
        self.assertNotIn("parentObservationId", sp)
        self.assertEqual(sp["input"], {"query": "How do I reset my password?"})
        self.assertEqual(sp["output"], ["Reset via Settings > Security"])
        self.assertIn("endTime", sp)
        ev = by[("event-create", "rerank")]["body"]
        self.assertEqual(ev["parentObservationId"], sp["id"])
        g = by[("generation-create", "llm-answer")]["body"]
        self.assertEqual(g["model"], "gpt-4o-mini")
        self.assertEqual(g["usageDetails"], {"input": 42, "output": 18, "total": 60})
        self.assertNotIn("usage", g)
        self.assertEqual(g["modelParameters"], {"temperature": 0.2, "max_tokens": 256})
        self.assertIn("completionStartTime", g)
        sc = by[("score-create", "helpfulness")]["body"]
        self.assertEqual(sc["traceId"], tr["id"])
        self.assertAlmostEqual(sc["value"], 0.92)
        for r in TLS.lines("request"):
            self.assertTrue(r["path"].endswith("/api/public/ingestion"), r["path"])
            self.assertEqual(r["headers"]["x-langfuse-sdk-name"], "lftrace")
            self.assertIsNone(r["headers"]["x-langfuse-ingestion-version"])
        self.assertEqual(len(TLS.lines("request")), 1)
        print(f"ingestion JSON body per support-query trace: {TLS.lines('request')[0]['body_bytes']} B")

    def test_error_handling(self):
        out, evs = self.events("errors")
        by = {(e["type"], e["body"].get("name")): e["body"] for e in evs}
        g = by[("generation-create", "llm-call")]
        self.assertEqual(g["level"], "ERROR")
        self.assertEqual(g["statusMessage"], "rate limit exceeded")
        w = by[("event-create", "rate-limit")]
        self.assertEqual(w["level"], "WARNING")
        sc = by[("score-create", "error")]
        self.assertEqual(sc["value"], "rate_limit")
        self.assertEqual(sc["dataType"], "CATEGORICAL")
        self.assertEqual(sc["observationId"], g["id"])

    def test_events(self):
        out, evs = self.events("events")
        by = {e["body"]["name"]: e["body"] for e in evs if e["type"] == "event-create"}
        self.assertEqual(set(by), {"rerank", "cache-hit", "rate-limit"})
        self.assertEqual(by["rerank"]["input"], {"before": 10, "after": 5})
        self.assertEqual(by["cache-hit"]["level"], "DEBUG")
        self.assertEqual(by["cache-hit"]["metadata"], {"key": "q:reset-password", "hit": True})
        self.assertEqual(by["rate-limit"]["level"], "WARNING")
        self.assertEqual(by["rate-limit"]["statusMessage"], "429 from upstream, retrying in 2 s")

    def test_open_observation_create_then_update(self):
        out, evs = self.events("open", flushes=2)
        self.assertEqual(out["flush"], ["LFT_OK", "LFT_OK"])
        batches = ingestion_requests(TLS)
        self.assertEqual(len(batches), 2)
        first = {(e["type"], e["body"].get("name")): e["body"] for e in batches[0]}
        tool = first[("span-create", "tool-call")]
        self.assertNotIn("endTime", tool)  # still open at the first flush
        self.assertEqual(tool["metadata"]["lftrace.kind"], "tool")
        self.assertIn("endTime", first[("span-create", "quick")])  # started and ended: one create
        second = batches[1]
        upd = [e["body"] for e in second if e["type"] == "span-update"]
        self.assertEqual(len(upd), 1)
        self.assertEqual(upd[0]["id"], tool["id"])
        self.assertIn("endTime", upd[0])
        self.assertEqual(upd[0]["output"], "done")
        tr = [e["body"] for e in second if e["type"] == "trace-create"]
        self.assertEqual(tr[0]["output"], "job done")
        ids = [e["id"] for e in evs]
        self.assertEqual(len(ids), len(set(ids)), "envelope ids unique")

    def run_many(self, **fault):
        TLS.reset()
        TLS.fault(**fault)
        return run_driver(TLS, "--ingestion", "--flow", "many", "--count", "20")

    def test_faults_retry_whole_batch(self):
        for fault in ({"mode": "500", "count": 2}, {"mode": "429", "count": 1, "retry_after": 3},
                      {"mode": "drop_before_body", "count": 1}, {"mode": "503_html", "count": 1}):
            with self.subTest(fault=fault["mode"]):
                out = self.run_many(**fault)
                self.assertEqual(out["flush"], ["LFT_OK"])
                evs = self.validate(TLS)
                ids = Counter(e["id"] for e in evs)
                self.assertEqual(len(ids), 20 * 2 + 2)  # 20 trace-creates, 20 span-creates, 2 scores
                self.assertEqual(max(ids.values()), 1)

    def test_lost_reply_duplicates_are_counted(self):
        out = self.run_many(mode="drop_after_body", count=1)
        self.assertEqual(out["flush"], ["LFT_OK"])
        ids = Counter(e["id"] for e in self.validate(TLS))
        dups = sum(c - 1 for c in ids.values())
        self.assertGreater(dups, 0)
        self.assertLessEqual(dups, out["maybe_duplicated"])

    def test_207_per_event_errors(self):
        """Per-event 4xx: dropped and counted; per-event 5xx: only those events go again."""
        out = self.run_many(mode="207_errors", fail_every=2, status=[400, 500], count=1)
        self.assertEqual(out["flush"], ["LFT_ERR_REJECTED"])
        batches = ingestion_requests(TLS)
        reqs = [r for r in TLS.lines("request") if r["status"] == 207]
        self.assertEqual(reqs[0]["items"], 6)  # 12 events sent, every 2nd failed
        self.assertEqual(out["dropped_rejected"], 3)  # 400, 500, 400, ...: three 400s
        evs = [e for b in batches for e in b]
        ids = Counter(e["id"] for e in evs)
        self.assertEqual(max(ids.values()), 1, "accepted events never sent again")
        self.assertEqual(len(ids), 42 - 3, "all but the three refused arrived")
        self.assertEqual(out["maybe_duplicated"], 0)
        self.assertEqual(out["pending_records"], 0)


class TrustTest(unittest.TestCase):
    def assert_refused(self, server, ca):
        server.reset()
        cmd = driver_cmd() + ["--port", str(server.port), "--ca", str(TMP / "certs" / ca), "--flow", "support",
               "--flush-timeout", "3000"]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = json.loads(p.stdout.strip().splitlines()[-1])
        self.assertEqual(out["flush"], ["LFT_ERR_TIMEOUT"])
        self.assertEqual(out["last_error"], "LFT_ERR_TLS_VERIFY")
        self.assertGreater(out["handshakes_failed"], 0)
        self.assertEqual(out["acknowledged"], 0)
        self.assertEqual(server.lines("request"), [], "nothing reached the HTTP layer")
        self.assertGreater(out["pending_records"], 0, "records kept for a later attempt")

    def test_wrong_ca(self):
        self.assert_refused(TLS, "wrong-ca.pem")

    def test_wrong_hostname(self):
        self.assert_refused(WRONGHOST, "ca.pem")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: test_export.py <lft_export_driver>")
    DRIVER = Path(sys.argv.pop(1)).resolve()
    unittest.main(verbosity=2)
