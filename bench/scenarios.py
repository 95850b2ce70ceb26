#!/usr/bin/env python3
"""Issue 15's scenarios beside bench/compare.py, side by side in one run, ratios only:

  post     1 MiB POST read by the app in 64 KiB reads (bench/apps/bodies.py /read), keep-alive;
           also each appserver worker's RSS before and after (it must stay flat)
  get      1 MiB GET made by the app (bodies.py /big), keep-alive
  flask    examples/flask_app GET /api/status (a JSON view), keep-alive and Connection: close
  django   examples/django_site GET /hello/ (a template view), keep-alive
  idle     10,000 idle keep-alive connections on appserver's 2 workers: worker RSS per connection,
           new requests' latency meanwhile, and RSS after they close
  startup  exec to the first 200 on the Flask app, appserver vs uWSGI (median of several starts)

appserver, uWSGI (`http-socket`) and Gunicorn (sync workers) run with 2 processes each on loopback,
measured in turn, round after round (the table has each one's median and each round's ratio).

    python3 bench/scenarios.py [--quick] [--only post,get,flask,django,idle,startup] [--pin]

--quick: one round of 3 s per server and scenario, 2,000 idle connections, 3 starts: a smoke run
that the numbers exist, not a measurement.
"""
import argparse
import contextlib
import os
import resource
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402  (free_port, wait_port, Running, run_wrk, installed, BINARY)
import memory_soak  # noqa: E402  (rss_kb, workers)

ROOT = compare.ROOT
BENCH = ROOT / "bench"
EXAMPLES = ROOT / "examples"


def app_args(server, app):
    """How each server is told to load `app`: (directory, module:callable)."""
    directory, target = app
    module, callable_ = target.split(":")
    if server == "appserver":
        return ["--chdir", str(directory), "--module", target]
    if server == "uWSGI":
        return ["--chdir", str(directory), "--module", target]
    return ["--chdir", str(directory), f"{module}:{callable_}"]


def server_argv(server, app):
    def argv(port):
        if server == "appserver":
            return [compare.BINARY, "--http", f"127.0.0.1:{port}", "--processes", "2", "--disable-logging"] + \
                app_args(server, app)
        if server == "uWSGI":
            return ["uwsgi", "--plugin", "python3", "--http-socket", f"127.0.0.1:{port}", "--master",
                    "--processes", "2", "--disable-logging", "--listen", "1024"] + app_args(server, app)
        return ["gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning"] + \
            app_args(server, app)
    return argv


BODIES = (BENCH / "apps", "bodies:application")
FLASK = (EXAMPLES / "flask_app", "app:app")
DJANGO = (EXAMPLES / "django_site", "mysite.wsgi:application")

# name -> (app, [(label, path, close, wrk script)])
LOAD_SCENARIOS = {
    "post": (BODIES, [("1 MiB POST", "/read", False, BENCH / "post_1mib.lua")]),
    "get": (BODIES, [("1 MiB GET", "/big", False, None)]),
    "flask": (FLASK, [("Flask keep-alive", "/api/status", False, None),
                      ("Flask close", "/api/status", True, None)]),
    "django": (DJANGO, [("Django keep-alive", "/hello/", False, None)]),
}
SERVERS = ("appserver", "uWSGI", "Gunicorn")


def workers_rss_kb(master_pid):
    return sum(memory_soak.rss_kb(p) for p in memory_soak.workers(master_pid))


def run_load(name, args, tmp):
    app, cases = LOAD_SCENARIOS[name]
    samples = {}  # (server, label) -> [result]
    rss = {}
    with contextlib.ExitStack() as stack:
        running = {}
        for server in SERVERS:
            argv_for = server_argv(server, app)
            if not compare.installed(argv_for):
                print(f"skipping {server}: not installed", file=sys.stderr)
                continue
            r = stack.enter_context(compare.Running(f"{name}-{server}", argv_for, tmp))
            if r.ok:
                running[server] = r
        for server, r in running.items():
            for _, path, close, script in cases:
                compare.run_wrk(r.port, 1, args.connections, close, path, script)  # warm-up
        if "appserver" in running:
            rss["before"] = workers_rss_kb(running["appserver"].proc.pid)
        for _ in range(args.rounds):
            for label, path, close, script in cases:
                for server, r in running.items():
                    samples.setdefault((server, label), []).append(compare.run_wrk(
                        r.port, args.duration, args.connections, close, path, script, server_pid=r.proc.pid))
        if "appserver" in running:
            rss["after"] = workers_rss_kb(running["appserver"].proc.pid)
    rows = []
    for label, *_ in cases:
        base = samples.get(("appserver", label))
        for server in SERVERS:
            runs = samples.get((server, label))
            if not runs:
                continue
            med = sorted(runs, key=lambda x: x["rps"])[len(runs) // 2]
            base_med = sorted(base, key=lambda x: x["rps"])[len(base) // 2] if base else None
            ratio = base_med["rps"] / med["rps"] if base_med and med["rps"] else 0
            spread = "/".join(f"{a['rps'] / b['rps']:.2f}" if b["rps"] else "0" for a, b in zip(base, runs)) \
                if base else ""
            errors = f"{med['errors']} {med['socket_errors']}".strip()
            rows.append(f"| {label} | {server} | {med['rps']:.0f} | {ratio:.2f}x ({spread}) | "
                        f"{med['p99_ms'] or 0:.2f} | {compare.cpu_cell(med)} | {errors} |")
    note = ""
    if rss:
        note = (f"{name}: appserver workers' RSS {rss.get('before', 0)} KB before the load, "
                f"{rss.get('after', 0)} KB after")
    return rows, note


def request_once(port, timeout=2.0):
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: b\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    if not data.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"unexpected answer: {data[:60]!r}")
    return (time.perf_counter() - start) * 1000


def run_idle(args, tmp):
    """Opens `count` connections, one request each, and keeps them open (idle keep-alive)."""
    count = 2000 if args.quick else 10000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = count + 1000
    if soft < want:
        if hard < want:
            return [], f"idle: needs {want} descriptors, the hard limit is {hard}"
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    argv_for = server_argv("appserver", BODIES)
    with compare.Running("idle-appserver", lambda p: argv_for(p) + ["--max-fd", str(want)], tmp) as r:
        if not r.ok:
            return [], "idle: appserver did not start"
        for _ in range(200):
            request_once(r.port)
        before = workers_rss_kb(r.proc.pid)
        conns = []
        sel = selectors.DefaultSelector()
        try:
            for _ in range(count):
                s = socket.socket()
                s.connect(("127.0.0.1", r.port))
                s.setblocking(False)
                s.send(b"GET / HTTP/1.1\r\nHost: b\r\n\r\n")
                sel.register(s, selectors.EVENT_READ)
                conns.append(s)
            answered, deadline = 0, time.monotonic() + 60
            while answered < count and time.monotonic() < deadline:
                for key, _ in sel.select(timeout=1):
                    if key.fileobj.recv(65536):
                        answered += 1
                    sel.unregister(key.fileobj)
            time.sleep(1)
            during = workers_rss_kb(r.proc.pid)
            latencies = sorted(request_once(r.port) for _ in range(200))
        finally:
            for s in conns:
                s.close()
            sel.close()
        time.sleep(2)
        after = workers_rss_kb(r.proc.pid)
    per_conn = (during - before) * 1024 / count
    p99 = latencies[int(len(latencies) * 0.99) - 1]
    return [], (f"idle: {answered}/{count} connections answered and kept open; workers' RSS {before} KB -> "
                f"{during} KB ({per_conn:.0f} bytes per connection; goal <= 4096) -> {after} KB after they "
                f"closed; a new request meanwhile: median {statistics.median(latencies):.2f} ms, "
                f"p99 {p99:.2f} ms, max {latencies[-1]:.2f} ms (goal < 5 ms)")


def time_to_first_200(argv_for, tmp):
    port = compare.free_port()
    start = time.perf_counter()
    proc = subprocess.Popen(argv_for(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                request_once(port, timeout=1)
                return (time.perf_counter() - start) * 1000
            except (OSError, RuntimeError):
                time.sleep(0.002)
        return None
    finally:
        os.killpg(proc.pid, 9)
        proc.wait()


def run_startup(args, tmp):
    starts = 3 if args.quick else 11
    times = {}
    for _ in range(starts):  # interleaved, so a load change hits both alike
        for server in ("appserver", "uWSGI"):
            argv_for = server_argv(server, FLASK)
            if compare.installed(argv_for):
                t = time_to_first_200(argv_for, tmp)
                if t is not None:
                    times.setdefault(server, []).append(t)
    med = {s: statistics.median(t) for s, t in times.items()}
    text = "startup (exec to the first 200, Flask app, median of %d): " % starts + \
        ", ".join(f"{s} {m:.0f} ms" for s, m in med.items())
    if "appserver" in med and "uWSGI" in med:
        text += f"; appserver/uWSGI = {med['appserver'] / med['uWSGI']:.2f} (goal <= 1.00)"
    return [], text


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="post,get,flask,django,idle,startup")
    ap.add_argument("--duration", type=int, default=8)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--pin", action="store_true", help="servers on CPU 0, wrk on CPU 1 (as compare.py --pin)")
    args = ap.parse_args()
    if args.quick:
        args.duration, args.rounds = 3, 1
    compare.PIN = args.pin
    rows, notes = [], []
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        for name in args.only.split(","):
            if name in LOAD_SCENARIOS:
                r, n = run_load(name, args, tmp)
            elif name == "idle":
                r, n = run_idle(args, tmp)
            elif name == "startup":
                r, n = run_startup(args, tmp)
            else:
                sys.exit(f"unknown scenario {name}")
            rows += r
            if n:
                notes.append(n)
    print(f"\nwrk -t{1 if args.pin else 2} -c{args.connections} -d{args.duration}s, 2 processes each; "
          f"median of {args.rounds} interleaved rounds (each round's ratio in brackets)\n")
    if rows:
        print("| scenario | server | req/s | appserver vs it | p99 ms | CPU µs/req (wrk's) | errors |")
        print("|---|---|---|---|---|---|---|")
        print("\n".join(rows))
    for n in notes:
        print(f"\n{n}")


if __name__ == "__main__":
    main()
