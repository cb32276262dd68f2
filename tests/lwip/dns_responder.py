#!/usr/bin/env python3
"""dns_responder.py - a bounded DNS server over UDP for the lwIP tests.

    dns_responder.py --listen IP [--port 53] --answer NAME=IPV4 [--answer ...]
                     [--nxdomain NAME] [--silent NAME] [--late NAME=IPV4]
                     [--late-seconds S] [--ready FILE] [--max-seconds S]
                     [--max-queries N]

Answers A queries for the --answer names (TTL 300), answers --late names
the same way but only --late-seconds after the query (so that the asker
has given up: tests a found callback that comes too late), never answers
--silent names (the asker times out) and answers NXDOMAIN for every other
name (--nxdomain names document which ones the test relies on). Queries
for other types of a known name get an empty NOERROR answer. Touches
FILE once listening; exits by itself after --max-seconds or --max-queries.
Python standard library only. One line per query on stderr.
"""
import argparse
import ipaddress
import select
import socket
import struct
import sys
import time

TYPE_A, CLASS_IN = 1, 1
RCODE_NXDOMAIN = 3


def parse_question(msg):
    """(id, flags, name lowercased, qtype, end of the question) or None."""
    if len(msg) < 12:
        return None
    qid, flags, qdcount = struct.unpack("!HHH", msg[:6])
    if flags & 0x8000 or qdcount != 1:
        return None
    labels, pos = [], 12
    while True:
        if pos >= len(msg):
            return None
        n = msg[pos]
        pos += 1
        if n == 0:
            break
        if n > 63 or pos + n > len(msg):
            return None  # compression in a question or a truncated label
        labels.append(msg[pos:pos + n].decode("ascii", "replace"))
        pos += n
    if pos + 4 > len(msg):
        return None
    qtype, qclass = struct.unpack("!HH", msg[pos:pos + 4])
    if qclass != CLASS_IN:
        return None
    return qid, flags, ".".join(labels).lower(), qtype, pos + 4


def reply(msg, q, addr):
    """The response to question q: an A record for addr, NXDOMAIN for None,
    no answer for b"" (name known, other type)."""
    qid, flags, _name, _qtype, end = q
    rd = flags & 0x0100
    rcode = RCODE_NXDOMAIN if addr is None else 0
    ancount = 1 if addr else 0
    head = struct.pack("!HHHHHH", qid, 0x8000 | 0x0400 | rd | 0x0080 | rcode, 1, ancount, 0, 0)
    out = head + msg[12:end]
    if addr:
        out += struct.pack("!HHHIH", 0xC00C, TYPE_A, CLASS_IN, 300, 4) + addr
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--listen", required=True)
    p.add_argument("--port", type=int, default=53)
    p.add_argument("--answer", action="append", default=[], metavar="NAME=IPV4")
    p.add_argument("--nxdomain", action="append", default=[], metavar="NAME")
    p.add_argument("--silent", action="append", default=[], metavar="NAME")
    p.add_argument("--late", action="append", default=[], metavar="NAME=IPV4")
    p.add_argument("--late-seconds", type=float, default=1.0)
    p.add_argument("--ready")
    p.add_argument("--max-seconds", type=float, default=60)
    p.add_argument("--max-queries", type=int, default=100)
    a = p.parse_args()

    def table(pairs):
        out = {}
        for pair in pairs:
            name, _, ip = pair.partition("=")
            out[name.lower().rstrip(".")] = ipaddress.IPv4Address(ip).packed
        return out

    answers, late = table(a.answer), table(a.late)
    silent = {n.lower().rstrip(".") for n in a.silent}
    nxdomain = {n.lower().rstrip(".") for n in a.nxdomain}
    if (set(answers) | set(late)) & (silent | nxdomain) or silent & nxdomain or set(answers) & set(late):
        sys.exit("dns_responder: a name has two behaviours")

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.listen, a.port))
    if a.ready:
        open(a.ready, "w").close()
    deadline = time.monotonic() + a.max_seconds
    pending = []  # (due, response, peer) of --late answers
    queries = 0
    while queries < a.max_queries or pending:
        now = time.monotonic()
        if now >= deadline:
            break
        for item in [x for x in pending if x[0] <= now]:
            pending.remove(item)
            s.sendto(item[1], item[2])
        wake = min([deadline] + [x[0] for x in pending])
        if queries >= a.max_queries:
            time.sleep(max(0.0, wake - now))
            continue
        ready, _, _ = select.select([s], [], [], max(0.0, wake - now))
        if not ready:
            continue
        msg, peer = s.recvfrom(4096)
        q = parse_question(msg)
        if q is None:
            continue
        queries += 1
        name, qtype = q[2], q[3]
        known = answers.get(name) or late.get(name)
        if name in silent:
            what = "silent"
        elif known is None:
            what = "nxdomain"
            s.sendto(reply(msg, q, None), peer)
        else:
            addr = known if qtype == TYPE_A else b""
            if name in late:
                what = f"late {a.late_seconds} s"
                pending.append((time.monotonic() + a.late_seconds, reply(msg, q, addr), peer))
            else:
                what = "answer" if addr else "no data"
                s.sendto(reply(msg, q, addr), peer)
        print(f"dns_responder: {peer[0]}:{peer[1]} {name} type {qtype}: {what}", file=sys.stderr, flush=True)
    s.close()


if __name__ == "__main__":
    main()
