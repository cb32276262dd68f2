#!/usr/bin/env python3
"""check_store.py STORE.jsonl - the support-query flow arrived complete.

Every recorded support-query trace (one or more) must be in the collector's
store with its four spans (support-query, retrieval, rerank event, llm-answer
generation gpt-4o-mini with usage 42/18/60), parents right, trace fields on
every span, and its helpfulness 0.92 score. Exits 1 with the reason otherwise.
"""
import json
import sys
from collections import defaultdict


def fail(msg):
    print(f"FAIL check_store: {msg}")
    sys.exit(1)


def main():
    lines = [json.loads(x) for x in open(sys.argv[1]) if x.strip()]
    spans = [x for x in lines if x["kind"] == "span"]
    scores = [x for x in lines if x["kind"] == "score"]
    traces = defaultdict(dict)
    for s in spans:
        if s["name"] in traces[s["trace_id"]]:
            fail(f"span {s['name']} twice in trace {s['trace_id']}")
        traces[s["trace_id"]][s["name"]] = s
    if not traces:
        fail("no spans arrived")
    for tid, n in traces.items():
        if set(n) != {"support-query", "retrieval", "rerank", "llm-answer"}:
            fail(f"trace {tid} has spans {sorted(n)}")
        root, ret, rer, llm = n["support-query"], n["retrieval"], n["rerank"], n["llm-answer"]
        if root["parent_span_id"] != "" or ret["parent_span_id"] != root["span_id"] \
                or llm["parent_span_id"] != root["span_id"] or rer["parent_span_id"] != ret["span_id"]:
            fail(f"trace {tid}: wrong parents")
        for s in n.values():
            a = s["attributes"]
            if a.get("langfuse.trace.name") != "support-query" or a.get("user.id") != "user_123" \
                    or a.get("session.id") != "session_abc":
                fail(f"{s['name']}: trace fields missing: {a}")
            if s["end_ns"] < 1_700_000_000 * 10**9 or s["end_ns"] < s["start_ns"]:
                fail(f"{s['name']}: bad times")
        if rer["attributes"].get("langfuse.observation.type") != "event":
            fail("rerank is not an event")
        a = llm["attributes"]
        if a.get("langfuse.observation.type") != "generation" or a.get("gen_ai.request.model") != "gpt-4o-mini":
            fail(f"llm-answer: {a}")
        if a.get("gen_ai.usage.input_tokens") != 42 or a.get("gen_ai.usage.output_tokens") != 18:
            fail(f"llm-answer usage: {a}")
        total = a.get("gen_ai.usage.total_tokens")
        if total is None and "langfuse.observation.usage_details" in a:
            total = json.loads(a["langfuse.observation.usage_details"]).get("total")
        if total is not None and total != 60:
            fail(f"llm-answer total usage {total}")
        mine = [sc for sc in scores if sc.get("traceId") == tid]
        if len(mine) != 1 or mine[0]["name"] != "helpfulness" or abs(mine[0]["value"] - 0.92) > 1e-9:
            fail(f"trace {tid}: scores {mine}")
    if len(scores) != len(traces):
        fail(f"{len(scores)} scores for {len(traces)} traces")
    print(f"check_store: {len(traces)} support-query trace(s) complete, {len(spans)} spans, {len(scores)} scores")


if __name__ == "__main__":
    main()
