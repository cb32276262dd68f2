#!/usr/bin/env python3
"""tcp_relay.py LISTEN_IP LISTEN_PORT TO_IP TO_PORT READY_FILE

Forwards every TCP connection accepted on LISTEN_IP:LISTEN_PORT to
TO_IP:TO_PORT, byte for byte in both directions (TLS passes through
untouched), and closes each direction's write side when the other side
finishes. The collector listens on 127.0.0.1 only; this makes it reachable
on the namespace's TAP address. READY_FILE is created once listening. Runs
until killed (netns_run.sh bounds it with timeout)."""
import socket
import sys
import threading


def pump(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    try:
        dst.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def serve(client, target):
    try:
        upstream = socket.create_connection(target, timeout=10)
    except OSError:
        client.close()
        return
    upstream.settimeout(None)
    upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    t = threading.Thread(target=pump, args=(upstream, client), daemon=True)
    t.start()
    pump(client, upstream)
    t.join(60)
    client.close()
    upstream.close()


def main():
    lip, lport, tip, tport, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((lip, lport))
    srv.listen(16)
    open(ready, "w").close()
    while True:
        c, _ = srv.accept()
        threading.Thread(target=serve, args=(c, (tip, tport)), daemon=True).start()


if __name__ == "__main__":
    main()
