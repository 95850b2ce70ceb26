"""Issue 10, static files and offloading together: a static file is answered by the event loop and
its body queued for it (non-blocking sendfile on EPOLLOUT), so slow static downloads hold neither
the loop nor the workers.

Before the offload, a static file's body went out with a blocking sendfile in the event loop: one
slow downloader held its whole worker (every other connection of it) until the client had it all.
"""
import os
import socket
import statistics
import struct
import time
from pathlib import Path

import pytest

from harness import wait_until
from slow_downloads import latencies_beside_slow_downloads
from rawhttp import RawConnection

APP = "offload_files.py"  # /file?path=P through wsgi.file_wrapper; anything else: "hello"
BIG = 100 << 20


@pytest.fixture
def site(tmp_path):
    """tmp_path/static: big.bin (100 MB, sparse) and a small patterned file."""
    static = tmp_path / "static"
    static.mkdir()
    with open(static / "big.bin", "wb") as f:
        f.truncate(BIG)
    patterned(static / "small.bin", 10 * 1024 + 3)
    return tmp_path


def patterned(path, size):
    """Bytes that differ from one position to the next, so a shifted or mixed-up body shows."""
    block = bytes(range(251)) * 4096
    with open(path, "wb") as f:
        left = size
        while left > 0:
            f.write(block[: min(left, len(block))])
            left -= min(left, len(block))
    return path


def start(serve, site, *extra):
    return serve(APP, "--static-map", f"/static={site / 'static'}", *extra, cwd=site)


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def settled_fds(pid):
    """The descriptor count once it stops changing (a connection just answered may be closing)."""
    counts = []
    for _ in range(20):
        counts.append(open_fds(pid))
        if len(counts) >= 3 and counts[-1] == counts[-2] == counts[-3]:
            return counts[-1]
        time.sleep(0.2)
    return counts[-1]


def rss_bytes(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def hello(port, timeout=5):
    """GET /hello (the application) on a new connection: the seconds until the whole answer is in."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(4096):
            data += chunk
    assert data.startswith(b"HTTP/1.1 200") and data.endswith(b"\r\n\r\nhello"), data
    return time.monotonic() - started


def start_download(port, target=b"/static/big.bin", rcvbuf=32 * 1024, timeout=10):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # keep the kernel's share small
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    s.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: t\r\n\r\n")
    return s


def read_head(s):
    """The response head (text) and the body bytes read with it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        assert chunk, f"closed before the head: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    return head.decode("latin-1"), body


def test_slow_static_downloads_do_not_hold_the_workers(serve, site):
    server = start(serve, site, "--processes", "2", "--threads", "1", "--listen", "512")
    server.wait_workers(2)
    hello(server.port)
    latencies, got, errors = latencies_beside_slow_downloads(lambda: start_download(server.port), lambda: hello(server.port))
    started = sum(1 for n in got if n > 0)
    median, worst = statistics.median(latencies), max(latencies)
    print(f"\n/hello beside 200 slow static downloads: {len(latencies)} requests, median {median * 1000:.1f} ms, "
          f"max {worst * 1000:.1f} ms; {started} downloads running, {sum(got) >> 20} MiB read in all")
    assert not errors, errors[:3]
    assert started == 200, f"only {started} of 200 static downloads began"
    assert all(n < BIG // 2 for n in got), "the clients were meant to be slow"
    assert median < 0.05, f"median {median * 1000:.1f} ms beside 200 slow static downloads"
    assert worst < 0.5, f"worst {worst * 1000:.1f} ms beside 200 slow static downloads"


def test_aborted_static_downloads_leave_no_descriptor_behind(serve, site):
    server = start(serve, site, "--processes", "1", "--listen", "512")
    (worker,) = server.wait_workers(1)
    # The baseline includes what one static request leaves by design: the mapped directory's
    # O_PATH descriptor, kept by the event loop's thread (src/static/static_open.cpp).
    conn = RawConnection(server.port)
    conn.send(b"GET /static/small.bin HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    assert conn.read_response().status == 200
    conn.close()
    hello(server.port)
    baseline = settled_fds(worker)
    most = baseline
    for batch in range(20):
        clients = [start_download(server.port) for _ in range(50)]
        for i, s in enumerate(clients):
            head, body = read_head(s)
            assert head.startswith("HTTP/1.1 200") and f"Content-Length: {BIG}" in head, head
            while len(body) < 64 * 1024:  # midway: the loop keeps a file segment for it
                chunk = s.recv(65536)
                assert chunk, "closed in the middle of the file"
                body += chunk
            if i % 2:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # a reset
        most = max(most, open_fds(worker))
        for s in clients:
            s.close()
    # With the body queued, all 50 of a batch are sent at once (a socket and a file each).
    assert most > baseline + 80, f"at most {most - baseline} descriptors over the baseline: not sent together"
    settled = wait_until(lambda: open_fds(worker) == baseline, timeout=15)
    assert settled, f"worker holds {open_fds(worker)} descriptors, {baseline} before 1,000 aborted downloads"
    assert "shrank" not in server.log()  # a client that leaves is not a file cut short
    hello(server.port)


def test_worker_memory_stays_flat_over_a_static_download(serve, site):
    server = start(serve, site, "--processes", "1")
    (worker,) = server.wait_workers(1)
    if "libasan" in Path(f"/proc/{worker}/maps").read_text():
        pytest.skip("AddressSanitizer's quarantine keeps freed memory resident")
    hello(server.port)
    s = start_download(server.port, b"/static/small.bin")
    read_head(s)
    s.close()
    before = rss_bytes(worker)
    s = start_download(server.port, rcvbuf=1 << 20)
    head, body = read_head(s)
    received, peak = len(body), before
    while received < BIG:
        chunk = s.recv(1 << 20)
        assert chunk, f"closed after {received} bytes"
        received += len(chunk)
        if received % (8 << 20) < len(chunk):
            peak = max(peak, rss_bytes(worker))
    s.close()
    peak = max(peak, rss_bytes(worker))
    assert f"Content-Length: {BIG}" in head and received == BIG
    growth = peak - before
    print(f"\nworker RSS {before >> 20} MiB before a 100 MiB static download, grew by {growth / 2**20:.2f} MiB")
    assert growth < 8 << 20, f"worker RSS grew by {growth / 2**20:.1f} MiB sending a 100 MiB static file"


def test_a_static_file_truncated_while_queued_ends_the_connection(serve, site):
    big = site / "static" / "big.bin"
    server = start(serve, site, "--processes", "1", "--threads", "1")
    (worker,) = server.wait_workers(1)
    s = start_download(server.port)
    head, body = read_head(s)
    assert f"Content-Length: {BIG}" in head
    received = len(body)
    while received < 256 * 1024:
        received += len(s.recv(65536))
    # The download stalls with most of the file queued: the worker (one thread) still answers.
    assert hello(server.port) < 2, "the application waited for the static download"
    os.truncate(big, 1 << 20)
    started = time.monotonic()
    eof = False
    while time.monotonic() - started < 15:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            break
        if not chunk:
            eof = True
            break
        received += len(chunk)
    elapsed = time.monotonic() - started
    s.close()
    assert eof, f"no end of the connection {elapsed:.1f} s after the file shrank ({received} bytes read)"
    assert received < BIG, "the client must see fewer bytes than Content-Length"
    assert elapsed < 10
    assert wait_until(lambda: f"{big}: ended" in server.log()), server.log()
    assert "shrank while being sent, to 1048576 bytes" in server.log()
    hello(server.port)
    assert server.workers() == [worker], "the worker lives on"


@pytest.mark.parametrize("threads", ["1", "4"])
def test_keep_alive_static_file_wrapper_app_static(serve, site, threads):
    static = site / "static"
    first = patterned(static / "first.bin", 3 << 20)  # larger than a socket takes at once: queued
    wrapped = patterned(site / "wrapped.bin", 2 << 20)
    small = static / "small.bin"
    server = start(serve, site, "--processes", "1", "--threads", threads)
    (worker,) = server.wait_workers(1)
    hello(server.port)
    requests = (b"GET /static/first.bin HTTP/1.1\r\nHost: t\r\n\r\n"
                + f"GET /file?path={wrapped} HTTP/1.1\r\nHost: t\r\n\r\n".encode()
                + b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"
                + b"GET /static/small.bin HTTP/1.1\r\nHost: t\r\n\r\n")
    conn = RawConnection(server.port)
    try:
        for pipelined in (True, False):
            if pipelined:
                conn.send(requests)  # each waits behind the file queued before it
            parts = requests.split(b"\r\n\r\n")[:-1]
            results = []
            for part in parts:
                if not pipelined:
                    conn.send(part + b"\r\n\r\n")
                results.append(conn.read_response())
            a, b, c, d = results
            assert a.status == 200 and a.body == first.read_bytes()
            assert b.status == 200 and b.body == wrapped.read_bytes()
            assert c.status == 200 and c.body == b"hello"
            assert d.status == 200 and d.body == small.read_bytes()
    finally:
        conn.close()
    hello(server.port)
    assert server.workers() == [worker]
