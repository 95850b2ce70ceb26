"""User-space instructions per keep-alive request, counted by callgrind (valgrind): exact and
repeatable where req/s on two shared cores moves by several percent from run to run, so a change
of 1% in the server's own work shows. Not a speed figure: the kernel's share (about three
quarters of a hello request) is not counted.

    python3 bench/instructions.py [--requests 10000] [--nginx]

The worker (1 process) serves examples/hello.py under callgrind twice, for 1 request and for
1 + N requests on one keep-alive connection; the difference over N is its cost per request
(start-up cancels out). --nginx counts nginx's `return 200` the same way, for comparison.
"""
import argparse
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from compare import free_port

ROOT = Path(__file__).resolve().parent.parent
BINARY = os.environ.get("APPSERVER_BIN", str(ROOT / "build" / "appserver"))
REQUEST = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def keep_alive_requests(port, count, deadline=120.0):
    """`count` requests one after the other on one connection, each answer read whole."""
    end = time.monotonic() + deadline
    while True:
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=30)
            break
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)
    with sock:
        pending = b""
        for _ in range(count):
            sock.sendall(REQUEST)
            while True:
                head_end = pending.find(b"\r\n\r\n")
                if head_end >= 0:
                    length = int(re.search(rb"(?i)content-length:\s*(\d+)", pending[:head_end]).group(1))
                    if len(pending) >= head_end + 4 + length:
                        pending = pending[head_end + 4 + length:]
                        break
                chunk = sock.recv(65536)
                if not chunk:
                    raise RuntimeError("the server closed the connection")
                pending += chunk


def worker_instructions(argv, port, count, out_dir):
    """The largest callgrind total among the processes argv started (the worker: it inherits the
    master's start-up count and adds the requests)."""
    for old in out_dir.glob("callgrind.out.*"):
        old.unlink()
    proc = subprocess.Popen(["valgrind", "--tool=callgrind", "--trace-children=yes",
                             f"--callgrind-out-file={out_dir}/callgrind.out.%p", *argv],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        keep_alive_requests(port, count)
        time.sleep(0.5)
    finally:
        proc.send_signal(2 if "nginx" not in argv[0] else 3)  # SIGINT; nginx: SIGQUIT
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    totals = []
    for f in out_dir.glob("callgrind.out.*"):
        m = re.search(r"^(?:summary|totals): (\d+)", f.read_text(errors="replace"), re.M)
        if m:
            totals.append(int(m.group(1)))
    if not totals:
        raise RuntimeError(f"no callgrind output for {argv[0]}")
    return max(totals)


def per_request(make_argv, requests, out_dir):
    port = free_port()
    small = worker_instructions(make_argv(port), port, 1, out_dir)
    port = free_port()
    big = worker_instructions(make_argv(port), port, 1 + requests, out_dir)
    return (big - small) / requests


def nginx_argv(tmp):
    def argv(port):
        conf = Path(tmp) / "nginx.conf"
        conf.write_text(f"""
worker_processes 1; daemon off; master_process off; pid {tmp}/nginx.pid; error_log {tmp}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off; keepalive_requests 1000000;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    server {{ listen 127.0.0.1:{port}; location / {{ default_type text/html; return 200 "Hello from appserver\\n"; }} }}
}}
""")
        return ["nginx", "-c", str(conf), "-e", f"{tmp}/error.log"]
    return argv


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=10000)
    ap.add_argument("--nginx", action="store_true", help="count nginx's return 200 too")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out_dir = Path(tmp)
        appserver = lambda port: [BINARY, "--http", f"127.0.0.1:{port}", "--wsgi-file", str(ROOT / "examples" / "hello.py"),
                                  "--processes", "1", "--disable-logging"]
        print(f"appserver: {per_request(appserver, args.requests, out_dir):,.0f} instructions per keep-alive request")
        if args.nginx:
            print(f"nginx:     {per_request(nginx_argv(tmp), args.requests, out_dir):,.0f} instructions per keep-alive request")
    return 0


if __name__ == "__main__":
    sys.exit(main())
