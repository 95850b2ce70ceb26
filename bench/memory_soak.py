#!/usr/bin/env python3
"""Memory soak: 200,000 requests (keep-alive and Connection: close, small GETs and 1 MiB POSTs)
against 2 workers. Prints each worker's resident memory after the first ~10,000 requests and at
the end; exits 1 when a worker grew by more than 5%.

    python3 bench/memory_soak.py            # needs wrk (apt-get install wrk)
"""
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BINARY = os.environ.get("APPSERVER_BIN", str(ROOT / "build" / "appserver"))
APP = ROOT / "tests" / "integration" / "apps" / "routes.py"
SCRIPT = Path(__file__).resolve().parent / "mixed_requests.lua"
TOTAL = int(os.environ.get("SOAK_REQUESTS", "200000"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def workers(master):
    kids = []
    for task in Path(f"/proc/{master}/task").glob("*"):
        kids += [int(x) for x in (task / "children").read_text().split()]
    return sorted(kids)


def wrk(port, seconds, close):
    env = dict(os.environ, SOAK_CLOSE="1" if close else "0")
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "-s", str(SCRIPT), f"http://127.0.0.1:{port}/"],
                         capture_output=True, text=True, env=env, timeout=seconds + 60).stdout
    done = re.search(r"(\d+) requests in", out)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        sys.exit(f"{bad.group(1)} failed responses:\n{out}")
    return int(done.group(1)) if done else 0


def first_requests(port, count):
    """Exactly `count` requests of the same mix, from Python, for the baseline: a new connection
    every 100 requests so that every worker takes its share (checked)."""
    import http.client
    big = b"x" * (1024 * 1024)
    per_worker = {}
    conn = None
    for i in range(1, count + 1):
        if i % 100 == 1:
            if conn:
                conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        if i % 50 == 0:
            conn.request("POST", "/read-chunks?65536", body=big)
        else:
            conn.request("GET", "/pid")
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            sys.exit(f"request {i} failed with {response.status}")
        if i % 50:
            per_worker[int(body)] = per_worker.get(int(body), 0) + 1
    conn.close()
    print("baseline requests per worker:", per_worker)
    return count


def main():
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        log = open(Path(tmp) / "server.log", "w")
        server = subprocess.Popen([BINARY, "--http", f"127.0.0.1:{port}", "--wsgi-file", str(APP), "--processes", "2",
                                   "--disable-logging"], stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    time.sleep(0.1)
            served = first_requests(port, 10000)
            pids = workers(server.pid)
            baseline = {pid: rss_kb(pid) for pid in pids}
            print(f"after {served} requests: " + ", ".join(f"worker {p}: {kb / 1024:.1f} MiB" for p, kb in baseline.items()))
            close = True
            while served < TOTAL:
                served += wrk(port, 3, close=close)
                close = not close
            assert workers(server.pid) == pids, "a worker was replaced during the soak"
            final = {pid: rss_kb(pid) for pid in pids}
            print(f"after {served} requests: " + ", ".join(f"worker {p}: {kb / 1024:.1f} MiB" for p, kb in final.items()))
            growth = max((final[p] - baseline[p]) / baseline[p] for p in pids)
            print(f"largest growth: {growth * 100:+.1f}% (limit +5%)")
            return 0 if growth <= 0.05 else 1
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=15)


if __name__ == "__main__":
    sys.exit(main())
