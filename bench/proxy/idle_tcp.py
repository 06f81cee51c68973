#!/usr/bin/env python3
"""Opens many idle TCP connections to a SIP server, for the memory figure of
the proxy bench (bench/proxy/run_proxy_bench.py).

    idle_tcp.py --to 127.0.0.2:5060 --count 10000 [--source 127.0.0.12] [--no-ping]

Connections are opened at --rate per second; each sends one RFC 5626
keep-alive ping (CRLFCRLF) as soon as it is up, so that the server has read
from every connection (a server that allocates its read buffer on the first
byte is measured with it), and is idle from then on. Protocol on stdin/stdout, one line each:

    -> "connected N failed F pongs P"   when every connect has finished
    <- "check"                          -> "alive N" (connections the server has not closed)
    <- "close" or end of input          closes everything and exits 0

The process exits by itself after --hold seconds whatever happens.
"""

import argparse
import errno
import os
import resource
import select
import socket
import sys
import time

IP_BIND_ADDRESS_NO_PORT = 24  # linux/in.h: pick the source port at connect()


def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        soft = hard
    if soft < need:
        raise SystemExit(f"idle_tcp: RLIMIT_NOFILE is {soft}, need {need}")


def open_connections(host, port, count, source, rate, batch, ping, deadline):
    """Connects `count` sockets at `rate` per second (at most `batch` connects in
    flight), sends each its ping as soon as it is up and reads the pong.
    Returns (sockets, failed connects, pongs)."""
    socks, failed, pongs = [], 0, 0
    ep = select.epoll()
    state = {}  # fd -> (socket, "connecting" | "ping")
    made = 0
    start = time.monotonic()
    last_progress = start
    while time.monotonic() < deadline:
        now = time.monotonic()
        due = min(count, int((now - start) * rate) + 1)
        connecting = sum(1 for _, st in state.values() if st == "connecting")
        while made < due and connecting < batch:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            if source:
                s.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
                s.bind((source, 0))
            rc = s.connect_ex((host, port))
            made += 1
            if rc not in (0, errno.EINPROGRESS):
                failed += 1
                s.close()
                continue
            state[s.fileno()] = (s, "connecting")
            ep.register(s.fileno(), select.EPOLLOUT)
            connecting += 1
        if made >= count and not state:
            break
        if made >= count and connecting == 0 and now - last_progress > 3.0:
            break  # the pongs that are still missing are not coming
        for fd, ev in ep.poll(0.05, 1024):
            s, st = state[fd]
            last_progress = time.monotonic()
            if st == "connecting":
                if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                    failed += 1
                    ep.unregister(fd)
                    del state[fd]
                    s.close()
                    continue
                socks.append(s)
                if not ping:
                    ep.unregister(fd)
                    del state[fd]
                    continue
                try:
                    s.send(b"\r\n\r\n")
                    ep.modify(fd, select.EPOLLIN)
                    state[fd] = (s, "ping")
                except OSError:
                    ep.unregister(fd)
                    del state[fd]
            else:
                ep.unregister(fd)
                del state[fd]
                try:
                    if s.recv(64):
                        pongs += 1
                except OSError:
                    pass
    for fd, (s, st) in state.items():
        if st == "connecting":
            failed += 1
            s.close()
    ep.close()
    return socks, failed, pongs


def alive(socks):
    """Connections the server has not closed (no EOF, no error pending)."""
    ep = select.epoll()
    by_fd = {s.fileno(): s for s in socks}
    for fd in by_fd:
        ep.register(fd, select.EPOLLIN | select.EPOLLRDHUP)
    dead = set()
    for fd, ev in ep.poll(0, len(by_fd) + 1):
        if ev & (select.EPOLLRDHUP | select.EPOLLHUP | select.EPOLLERR):
            dead.add(fd)
            continue
        try:
            data = by_fd[fd].recv(4096, socket.MSG_DONTWAIT)
            if not data:
                dead.add(fd)
        except BlockingIOError:
            pass
        except OSError:
            dead.add(fd)
    ep.close()
    return len(socks) - len(dead)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--to", required=True, help="server address:port")
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--source", default="", help="local address to connect from")
    ap.add_argument("--rate", type=float, default=1000.0, help="new connections per second")
    ap.add_argument("--batch", type=int, default=256, help="connects in flight at once")
    ap.add_argument("--no-ping", action="store_true", help="send nothing at all")
    ap.add_argument("--hold", type=float, default=180.0, help="exit after this many seconds regardless")
    args = ap.parse_args()
    host, port = args.to.rsplit(":", 1)
    start = time.monotonic()
    hard_deadline = start + args.hold
    raise_nofile(args.count + 64)
    socks, failed, pongs = open_connections(host, int(port), args.count, args.source, args.rate, args.batch,
                                            not args.no_ping, min(hard_deadline, start + 120))
    print(f"connected {len(socks)} failed {failed} pongs {pongs}", flush=True)
    while time.monotonic() < hard_deadline:
        r, _, _ = select.select([sys.stdin], [], [], max(0.0, hard_deadline - time.monotonic()))
        if not r:
            break
        line = sys.stdin.readline()
        if not line or line.strip() == "close":
            break
        if line.strip() == "check":
            print(f"alive {alive(socks)}", flush=True)
    for s in socks:
        s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
