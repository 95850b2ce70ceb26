"""Issue 8, item 4: the write-behind buffer of a slow reader is capped in memory actually held.

An app that produces a little faster than its client reads used to grow the worker by the whole
stream (252 MB in 12 s): bytes the client had taken stayed allocated until the buffer emptied,
which it never did. The cap is 8 MiB per connection, counted in bytes allocated.
"""
import socket
import time
from pathlib import Path

import pytest

from harness import wait_until

PIECE = 64 * 1024
INTERVAL_MS = 10                          # the app: 6.4 MB/s
APP_RATE = PIECE * 1000 // INTERVAL_MS
CLIENT_RATE = APP_RATE * 9 // 10          # the client takes 90% of that, steadily
STREAM_S = 10.0
CAP = 8 << 20
MARGIN = 8 << 20                          # malloc slack, Python objects, the access log


def rss_bytes(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def get(port, target):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET {target} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


def test_a_slow_steady_reader_costs_at_most_the_cap(serve):
    server = serve("fdout_stream.py", "--processes", "1")
    (worker,) = server.wait_workers(1)
    if "libasan" in Path(f"/proc/{worker}/maps").read_text():
        pytest.skip("AddressSanitizer's quarantine keeps freed memory resident: RSS cannot show the cap")
    # Warm the app's code paths, then take the baseline.
    assert get(server.port, "/?seconds=0.05").startswith(b"HTTP/1.1 200")
    baseline = rss_bytes(worker)

    client = socket.socket()
    client.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 128 * 1024)  # keep the kernel's share small
    client.settimeout(5)
    client.connect(("127.0.0.1", server.port))
    client.sendall(f"GET /?piece={PIECE}&interval_ms={INTERVAL_MS}&seconds={STREAM_S + 30} HTTP/1.1\r\n"
                   "Host: t\r\nConnection: close\r\n\r\n".encode())
    got, peak, samples = 0, baseline, 0
    start = time.monotonic()
    next_sample = start
    try:
        while (now := time.monotonic()) - start < STREAM_S:
            allowed = int((now - start) * CLIENT_RATE)
            while got < allowed:
                data = client.recv(min(65536, allowed - got))
                assert data, "the server closed the stream"
                got += len(data)
            if now >= next_sample:
                peak = max(peak, rss_bytes(worker))
                samples += 1
                next_sample = now + 0.2
            time.sleep(0.005)
    finally:
        client.close()
    elapsed = time.monotonic() - start
    assert got > CLIENT_RATE * elapsed * 0.8, f"the client read only {got} bytes in {elapsed:.1f} s"
    assert samples >= 20
    growth = peak - baseline
    assert growth < CAP + MARGIN, (
        f"worker RSS grew by {growth / 2**20:.1f} MiB streaming {got / 2**20:.0f} MiB to a reader "
        f"slightly slower than the app (cap {CAP >> 20} MiB per connection)")
    # The stream's client is gone: the worker goes on serving.
    assert wait_until(lambda: get(server.port, "/?seconds=0.01").startswith(b"HTTP/1.1 200"), timeout=10)


# A sibling of items 1 and 4: the HTTP session serves the next pipelined request only once the
# previous response has left the buffer (the writing_behind state), resumed by the event loop.
def test_a_pipelining_client_that_reads_nothing_does_not_hold_the_worker(serve):
    server = serve("fdout_stream.py", "--processes", "1")
    server.wait_workers(1)
    hog = socket.socket()
    hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
    hog.connect(("127.0.0.1", server.port))
    try:
        # 200 requests for 100 kB each, none of the answers read: 20 MB, more than the 8 MiB cap.
        hog.sendall(b"GET /?piece=100000&interval_ms=1&seconds=0.001 HTTP/1.1\r\nHost: t\r\n\r\n" * 200)
        # Another client is served meanwhile.
        start = time.monotonic()
        served = wait_until(lambda: probe(server.port), timeout=5, interval=0.2)
        assert served, f"no answer for {time.monotonic() - start:.1f} s while one client pipelines"
    finally:
        hog.close()


def probe(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET /?piece=10&seconds=0.01 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            return s.recv(12).startswith(b"HTTP/1.1 200")
    except OSError:
        return False
