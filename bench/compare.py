#!/usr/bin/env python3
"""Side-by-side throughput: appserver vs uWSGI, Gunicorn and nginx (Debian's packages), one run.

Each server serves the same app (examples/hello.py; nginx answers the same bytes itself as the
ceiling) with 2 processes on loopback; wrk drives each in turn with the same settings. What counts
is the ratio to appserver in the same run, never the absolute numbers (2 cores are shared by wrk
and the server).

    sudo apt-get install wrk uwsgi-core uwsgi-plugin-python3 gunicorn nginx-light
    python3 bench/compare.py [--duration 10] [--connections 64] [--only appserver] [--rounds 3] [--static] [--pin]
    python3 bench/compare.py --static [--rounds 3]   # static files: 10 KB and 1 MiB over keep-alive

"appserver combined log" is appserver logging every request (log-format = combined, to a file);
its keep-alive figure must stay at least 0.8x appserver's with disable-logging (issue 11).

The static scenario serves one directory four ways, 2 processes each: appserver and uWSGI (with
`http-socket`, which closes each connection, and `http11-socket`, keep-alive) with the same
`static-map`, and nginx (`sendfile on`) as the reference. All run at once and are measured in
turn, round after round; the table has each one's median.
"""
import argparse
import contextlib
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP_DIR = ROOT / "examples"
BINARY = os.environ.get("APPSERVER_BIN", str(ROOT / "build" / "appserver"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def nginx_conf(tmp, port):
    conf = Path(tmp) / "nginx.conf"
    conf.write_text(f"""
worker_processes 2;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{ default_type text/html; return 200 "Hello from appserver\\n"; }}
    }}
}}
""")
    return conf


def nginx_static_conf(tmp, port, static_dir):
    conf = Path(tmp) / "nginx-static.conf"
    conf.write_text(f"""
worker_processes 2;
pid {tmp}/nginx-static.pid;
error_log {tmp}/nginx-static-error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    default_type application/octet-stream;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location /static/ {{ alias {static_dir}/; }}
    }}
}}
""")
    return conf


def static_servers(tmp, static_dir):
    mapping = f"/static={static_dir}"
    return {
        "appserver": lambda p: [BINARY, "--http", f"127.0.0.1:{p}", "--wsgi-file", str(APP_DIR / "hello.py"),
                                "--processes", "2", "--disable-logging", "--static-map", mapping],
        "uWSGI": lambda p: ["uwsgi", "--plugin", "python3", "--http-socket", f"127.0.0.1:{p}", "--wsgi-file",
                            str(APP_DIR / "hello.py"), "--master", "--processes", "2", "--disable-logging",
                            "--listen", "1024", "--static-map", mapping],
        # uWSGI's keep-alive HTTP socket: closer to what wrk asks for (its static files go out the same way).
        "uWSGI (http11-socket)": lambda p: ["uwsgi", "--plugin", "python3", "--http11-socket", f"127.0.0.1:{p}",
                                            "--wsgi-file", str(APP_DIR / "hello.py"), "--master", "--processes", "2",
                                            "--disable-logging", "--listen", "1024", "--static-map", mapping],
        "nginx (sendfile on)": lambda p: ["nginx", "-c", str(nginx_static_conf(tmp, p, static_dir)), "-g", "daemon off;"],
    }


def servers(tmp):
    return {
        "appserver": lambda p: [BINARY, "--http", f"127.0.0.1:{p}", "--wsgi-file", str(APP_DIR / "hello.py"),
                                "--processes", "2", "--disable-logging"],
        # Issue 11's budget: the same, logging every request in nginx's combined shape to a file.
        "appserver combined log": lambda p: [BINARY, "--http", f"127.0.0.1:{p}", "--wsgi-file",
                                             str(APP_DIR / "hello.py"), "--processes", "2", "--log-format",
                                             "combined", "--req-logger", f"file:{tmp}/access.log"],
        "uWSGI": lambda p: ["uwsgi", "--plugin", "python3", "--http-socket", f"127.0.0.1:{p}", "--wsgi-file",
                            str(APP_DIR / "hello.py"), "--master", "--processes", "2", "--disable-logging",
                            "--listen", "1024"],
        "Gunicorn": lambda p: ["gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{p}", "--chdir", str(APP_DIR),
                               "--log-level", "warning", "hello:application"],
        "nginx (static ceiling)": lambda p: ["nginx", "-c", str(nginx_conf(tmp, p)), "-g", "daemon off;"],
    }


# --pin: every server on CPU 0 and wrk (one thread) on CPU 1, so the client and the servers stop
# competing for the same two cores; without it a fast server's ratio is capped by wrk's own share.
PIN = False


def tree_cpu_seconds(pid):
    """CPU time (user + system, all threads) of `pid` and every process below it, as /proc has it now."""
    ticks, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime and stime (stat fields 14 and 15)
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, ValueError, IndexError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_cell(result):
    """The server's CPU per request and wrk's, in microseconds: what each side costs, which the
    req/s ratio mixes (on shared cores a server's ratio is capped by wrk's own share)."""
    if result.get("server_us") is None:
        return "-"
    def us(v):
        return f"{v:.1f}" if v < 100 else f"{v:.0f}"
    return f"{us(result['server_us'])} ({us(result['client_us'])})"


def run_wrk(port, duration, connections, close, path="/", script=None, server_pid=None):
    """One wrk run. With `server_pid`, also the CPU per request of that server's process tree
    (server_us) and of wrk (client_us)."""
    cmd = ["wrk", "-t1" if PIN else "-t2", f"-c{connections}", f"-d{duration}s", "--latency",
           f"http://127.0.0.1:{port}{path}"]
    if script:
        cmd[1:1] = ["-s", str(script)]
    if close:
        cmd[1:1] = ["-H", "Connection: close"]
    if PIN:
        cmd[0:0] = ["taskset", "-c", "1"]
    server_before = tree_cpu_seconds(server_pid) if server_pid else 0.0
    client_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60).stdout
    client_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    server_cpu = tree_cpu_seconds(server_pid) - server_before if server_pid else None
    client_cpu = (client_after.ru_utime + client_after.ru_stime) - (client_before.ru_utime + client_before.ru_stime)
    requests = re.search(r"(\d+) requests in", out)
    count = int(requests.group(1)) if requests else 0
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    latency = None
    if p99:
        latency = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    return {"rps": float(rps.group(1)) if rps else 0.0, "p99_ms": latency,
            "errors": int(errors.group(1)) if errors else 0, "socket_errors": socket_errors.group(1) if socket_errors else "",
            "server_us": server_cpu * 1e6 / count if server_cpu is not None and count else None,
            "client_us": client_cpu * 1e6 / count if count else None}


class Running:
    """One server started in its own session, stopped (the whole group) at the end of the block."""

    def __init__(self, name, argv_for, tmp):
        self.name, self.argv_for, self.tmp = name, argv_for, tmp
        self.port = free_port()

    def __enter__(self):
        self.log = open(Path(self.tmp) / (re.sub(r"\W+", "-", self.name).strip("-") + ".log"), "w")
        self.proc = subprocess.Popen(self.argv_for(self.port), stdout=self.log, stderr=subprocess.STDOUT, cwd=self.tmp,
                                     start_new_session=True,
                                     preexec_fn=(lambda: os.sched_setaffinity(0, {0})) if PIN else None)
        self.ok = wait_port(self.port, self.proc)
        if not self.ok:
            print(f"skipping {self.name}: did not start", file=sys.stderr)
        time.sleep(0.5)
        return self

    def __exit__(self, *exc):
        os.killpg(self.proc.pid, signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()


def installed(argv_for):
    exe = argv_for(0)[0]
    return shutil.which(exe) or os.path.exists(exe)


def main_static(args):
    """All servers run at once (idle but for the one measured); each round measures every server in
    turn for each size, and the table shows each one's median over the rounds, so a load that comes
    and goes on the machine hits them alike instead of whichever ran at the time."""
    sizes = {"10 KB": 10 * 1024, "1 MiB": 1024 * 1024}
    samples = {}
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        os.chmod(tmp, 0o755)  # nginx's workers run as nobody when started as root
        static_dir = Path(tmp) / "static"
        static_dir.mkdir(mode=0o755)
        for label, size in sizes.items():
            (static_dir / f"f{size}.bin").write_bytes(os.urandom(size))
        running = {}
        for name, argv_for in static_servers(tmp, static_dir).items():
            if not installed(argv_for):
                print(f"skipping {name}: not installed", file=sys.stderr)
                continue
            server = stack.enter_context(Running(name, argv_for, tmp))
            if server.ok:
                running[name] = server
        for name, server in running.items():
            samples[name] = {label: [] for label in sizes}
            for size in sizes.values():
                run_wrk(server.port, 2, args.connections, False, f"/static/f{size}.bin")  # warm-up
        for _ in range(args.rounds):
            for label, size in sizes.items():
                for name, server in running.items():
                    samples[name][label].append(run_wrk(server.port, args.duration, args.connections, False,
                                                        f"/static/f{size}.bin", server_pid=server.proc.pid))
    results = {name: {label: sorted(runs, key=lambda x: x["rps"])[len(runs) // 2] for label, runs in r.items()}
               for name, r in samples.items()}
    base = results.get("appserver")
    print(f"\nwrk -t{1 if PIN else 2} -c{args.connections} -d{args.duration}s keep-alive, 2 processes each"
          f"{' (servers on CPU 0, wrk on CPU 1)' if PIN else ''}, static files; "
          f"median of {args.rounds} interleaved rounds (each round's ratio in brackets)\n")
    print("| server | " + " | ".join(f"{label} req/s | appserver vs it | p99 ms | CPU µs/req (wrk's)" for label in sizes)
          + " | errors |")
    print("|---|" + "---|---|---|---|" * len(sizes) + "---|")
    for name, r in results.items():
        cells, errors = [], []
        for label in sizes:
            x = r[label]
            ratio = base[label]["rps"] / x["rps"] if base and x["rps"] else 0
            rounds = [a["rps"] / b["rps"] if b["rps"] else 0
                      for a, b in zip(samples["appserver"][label], samples[name][label])] if base else []
            spread = "/".join(f"{q:.2f}" for q in rounds)
            cells.append(f"{x['rps']:.0f} | {ratio:.2f}x ({spread}) | {x['p99_ms'] or 0:.2f} | {cpu_cell(x)}")
            errors.append(f"{x['errors']} {x['socket_errors']}".strip())
        print(f"| {name} | " + " | ".join(cells) + f" | {'; '.join(errors)} |")


def measure(name, argv_for, tmp, args):
    if not installed(argv_for):
        print(f"skipping {name}: not installed", file=sys.stderr)
        return None
    with Running(name, argv_for, tmp) as server:
        if not server.ok:
            return None
        run_wrk(server.port, 2, args.connections, False)  # warm-up
        return {
            "keep-alive": run_wrk(server.port, args.duration, args.connections, False, server_pid=server.proc.pid),
            "close": run_wrk(server.port, args.duration, args.connections, True, server_pid=server.proc.pid),
        }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--static", action="store_true", help="the static-file scenario (10 KB and 1 MiB files)")
    ap.add_argument("--only", default="",
                    help="run only the servers whose name starts with this (several: comma-separated)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="interleaved rounds: every server this many times, alternating (the median is shown)")
    ap.add_argument("--pin", action="store_true",
                    help="servers on CPU 0, wrk (one thread) on CPU 1: the servers' own cost, not the shared cores")
    args = ap.parse_args()
    global PIN
    PIN = args.pin
    for tool in ("wrk",):
        if not shutil.which(tool):
            sys.exit(f"{tool} is missing: apt-get install wrk")
    if args.static:
        main_static(args)
        return
    runs = {}  # name -> one result per round
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.rounds):
            for name, argv_for in servers(tmp).items():
                if not name.startswith(tuple(args.only.split(","))):
                    continue
                result = measure(name, argv_for, tmp, args)
                if result:
                    runs.setdefault(name, []).append(result)
    # Rounds alternate the servers, so a load change on a shared machine hits them alike; the
    # median round of each is shown.
    results = {name: sorted(rs, key=lambda r: r["keep-alive"]["rps"])[len(rs) // 2] for name, rs in runs.items()}
    base = results.get("appserver")
    print(f"\nwrk -t2 -c{args.connections} -d{args.duration}s, 2 processes each, examples/hello.py\n")
    print("| server | keep-alive req/s | vs appserver | p99 ms | CPU µs/req (wrk's) | Connection: close req/s | "
          "vs appserver | p99 ms | CPU µs/req (wrk's) | errors |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        ka, cl = r["keep-alive"], r["close"]
        ratio_ka = ka["rps"] / base["keep-alive"]["rps"] if base and base["keep-alive"]["rps"] else 0
        ratio_cl = cl["rps"] / base["close"]["rps"] if base and base["close"]["rps"] else 0
        errs = ka["errors"] + cl["errors"]
        print(f"| {name} | {ka['rps']:.0f} | {ratio_ka:.2f}x | {ka['p99_ms'] or 0:.2f} | {cpu_cell(ka)} | {cl['rps']:.0f} | "
              f"{ratio_cl:.2f}x | {cl['p99_ms'] or 0:.2f} | {cpu_cell(cl)} | {errs} {ka['socket_errors']} {cl['socket_errors']} |")
    logged = results.get("appserver combined log")
    if base and logged and base["keep-alive"]["rps"]:
        ratio = logged["keep-alive"]["rps"] / base["keep-alive"]["rps"]
        print(f"\ncombined access log to a file vs disable-logging, keep-alive: {ratio:.2f}x (budget >= 0.80x)")


if __name__ == "__main__":
    main()
