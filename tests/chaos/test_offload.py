"""Issue 10, offloading: a wsgi.file_wrapper response over a regular file is sent by the worker's
event loop (non-blocking sendfile on EPOLLOUT), so a slow downloader no longer holds the worker.

Before, send_file waited for the client with a blocking sendfile: with 2 workers and threads = 1,
two slow downloads took the whole site down for as long as they lasted.
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
import uwsgi_client

APP = "offload_files.py"
BIG = 100 << 20


def sparse_file(directory, name="big.bin", size=BIG):
    path = Path(directory) / name
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def patterned_file(directory, name, size):
    """Bytes that differ from one position to the next, so a reordered or shifted body shows."""
    path = Path(directory) / name
    block = bytes(range(251)) * 4096
    with open(path, "wb") as f:
        left = size
        while left > 0:
            f.write(block[: min(left, len(block))])
            left -= min(left, len(block))
    return path


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_bytes(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


def hello(port, timeout=5):
    """GET /hello on a new connection: the seconds until the whole answer is in."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(b"GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(4096):
            data += chunk
    assert data.startswith(b"HTTP/1.1 200") and data.endswith(b"\r\n\r\nhello"), data
    return time.monotonic() - started


def start_download(port, path, rcvbuf=32 * 1024, timeout=10):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)  # keep the kernel's share small
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    s.sendall(f"GET /file?path={path} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
    return s


def read_head(s):
    """The response head (as text) and the body bytes read with it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        assert chunk, f"closed before the head: {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    return head.decode("latin-1"), body


def content_length(head):
    for line in head.split("\r\n")[1:]:
        name, value = line.split(":", 1)
        if name.strip().lower() == "content-length":
            return int(value)
    raise AssertionError(f"no Content-Length in {head!r}")


def test_slow_downloaders_do_not_hold_the_workers(serve, tmp_path):
    big = sparse_file(tmp_path)
    server = serve(APP, "--processes", "2", "--threads", "1", "--listen", "512")
    server.wait_workers(2)
    hello(server.port)
    latencies, got, errors = latencies_beside_slow_downloads(lambda: start_download(server.port, big), lambda: hello(server.port))
    started = sum(1 for n in got if n > 0)
    median, worst = statistics.median(latencies), max(latencies)
    print(f"\n/hello beside 200 slow downloads: {len(latencies)} requests, median {median * 1000:.1f} ms, "
          f"max {worst * 1000:.1f} ms; {started} downloads running, {sum(got) >> 20} MiB read in all")
    assert not errors, errors[:3]
    assert started == 200, f"only {started} of 200 downloads began"
    assert all(n < BIG // 2 for n in got), "the clients were meant to be slow"
    assert median < 0.05, f"median {median * 1000:.1f} ms beside 200 slow downloads"
    assert worst < 0.5, f"worst {worst * 1000:.1f} ms beside 200 slow downloads"


def get_file(port, path):
    conn = RawConnection(port)
    try:
        conn.send(f"GET /file?path={path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".encode())
        return conn.read_response()
    finally:
        conn.close()


def settled_fds(pid):
    """The worker's descriptor count once it stops changing (a connection just answered may still
    be closing)."""
    counts = []
    for _ in range(20):
        counts.append(open_fds(pid))
        if len(counts) >= 3 and counts[-1] == counts[-2] == counts[-3]:
            return counts[-1]
        time.sleep(0.2)
    return counts[-1]


def test_aborted_downloads_leave_no_descriptor_behind(serve, tmp_path):
    big = sparse_file(tmp_path)
    small = patterned_file(tmp_path, "small.bin", 1000)
    server = serve(APP, "--processes", "1", "--listen", "512")
    (worker,) = server.wait_workers(1)
    assert get_file(server.port, small).body == small.read_bytes()  # warm up: imports, first file
    hello(server.port)
    baseline = settled_fds(worker)
    most = baseline
    for batch in range(20):
        clients = [start_download(server.port, big) for _ in range(50)]
        for i, s in enumerate(clients):
            head, body = read_head(s)
            assert head.startswith("HTTP/1.1 200"), head
            while len(body) < 64 * 1024:  # midway: the server has a segment kept for it
                body += s.recv(65536)
            if i % 2:
                # A reset (SO_LINGER 0) rather than a FIN.
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        most = max(most, open_fds(worker))
        for s in clients:
            s.close()
    assert most > baseline + 40, "the downloads should have been running together"
    settled = wait_until(lambda: open_fds(worker) == baseline, timeout=15)
    assert settled, f"worker holds {open_fds(worker)} descriptors, {baseline} before 1,000 aborted downloads"
    hello(server.port)


def test_worker_memory_does_not_grow_with_the_file(serve, tmp_path):
    big = sparse_file(tmp_path)
    small = patterned_file(tmp_path, "small.bin", 1000)
    server = serve(APP, "--processes", "1")
    (worker,) = server.wait_workers(1)
    if "libasan" in Path(f"/proc/{worker}/maps").read_text():
        pytest.skip("AddressSanitizer's quarantine keeps freed memory resident")
    assert get_file(server.port, small).body == small.read_bytes()
    before = rss_bytes(worker)
    s = start_download(server.port, big, rcvbuf=1 << 20)
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
    assert content_length(head) == BIG and received == BIG
    growth = peak - before
    print(f"\nworker RSS {before >> 20} MiB before a 100 MiB download, grew by {growth / 2**20:.2f} MiB")
    assert growth < 8 << 20, f"worker RSS grew by {growth / 2**20:.1f} MiB sending a 100 MiB file"


def test_a_file_truncated_while_sent_ends_the_connection(serve, tmp_path):
    big = sparse_file(tmp_path)
    server = serve(APP, "--processes", "1")
    (worker,) = server.wait_workers(1)
    s = start_download(server.port, big)
    head, body = read_head(s)
    assert content_length(head) == BIG
    received = len(body)
    while received < 256 * 1024:
        received += len(s.recv(65536))
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
    assert "shrank while being sent" in server.log()
    hello(server.port)
    assert server.workers() == [worker], "the worker lives on"


@pytest.mark.parametrize("threads", ["1", "4"])
def test_keep_alive_file_responses_and_head(serve, tmp_path, threads):
    first = patterned_file(tmp_path, "first.bin", 3 << 20)
    second = patterned_file(tmp_path, "second.bin", 100 * 1024 + 7)
    server = serve(APP, "--processes", "1", "--threads", threads)
    (worker,) = server.wait_workers(1)
    hello(server.port)
    conn = RawConnection(server.port)
    try:
        # Pipelined: the second file and the plain request wait behind the first file.
        conn.send(f"GET /file?path={first} HTTP/1.1\r\nHost: t\r\n\r\n"
                  f"GET /file?path={second}&offset=5 HTTP/1.1\r\nHost: t\r\n\r\n"
                  "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        a, b, c = conn.read_response(), conn.read_response(), conn.read_response()
        assert a.status == 200 and a.body == first.read_bytes()
        assert b.status == 200 and b.body == second.read_bytes()[5:]
        assert c.status == 200 and c.body == b"hello"
        # Sequential, on the same connection.
        conn.send(f"GET /file?path={second} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        assert conn.read_response().body == second.read_bytes()
        baseline = settled_fds(worker)
        for _ in range(20):
            conn.send(f"HEAD /file?path={first} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
            h = conn.read_response(head_request=True)
            assert h.status == 200 and h.header("content-length") == str(3 << 20)
        # Nothing of the file followed the HEAD answers: the next response is parsed cleanly.
        conn.send(b"GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        assert conn.read_response().body == b"hello"
        assert open_fds(worker) == baseline, "HEAD of a file_wrapper response keeps no descriptor"
    finally:
        conn.close()


def test_a_client_that_stops_reading_is_closed_after_http_timeout(serve, tmp_path):
    big = sparse_file(tmp_path)
    server = serve(APP, "--processes", "1", "--http-timeout", "2")
    (worker,) = server.wait_workers(1)
    hello(server.port)
    baseline = settled_fds(worker)
    s = start_download(server.port, big)
    read_head(s)
    assert wait_until(lambda: open_fds(worker) == baseline + 2, timeout=5), "connection + file segment"
    # The client reads nothing more: the loop gives up after http-timeout without progress.
    started = time.monotonic()
    assert wait_until(lambda: open_fds(worker) == baseline, timeout=15)
    print(f"\nstalled downloader closed after {time.monotonic() - started:.1f} s (http-timeout 2)")
    s.close()
    hello(server.port)


def test_a_file_over_a_uwsgi_socket(serve, tmp_path, sock_dir):
    content = patterned_file(tmp_path, "content.bin", 5 << 20)
    address = f"{sock_dir}/app.sock"
    server = serve(None, args=["--socket", address, "--wsgi-file", str(Path(__file__).resolve().parents[1]
                                                                         / "integration" / "apps" / APP),
                               "--processes", "1"], wait=False)
    assert wait_until(lambda: os.path.exists(address), timeout=15), server.log()
    (worker,) = server.wait_workers(1)
    baseline = settled_fds(worker)
    response = uwsgi_client.request(address, uri=f"/file?path={content}")
    assert response.status == 200
    assert response.header("content-length") == str(5 << 20)
    assert response.body == content.read_bytes(), "the whole file, then the connection closes"
    assert wait_until(lambda: open_fds(worker) == baseline, timeout=5)


def test_a_file_then_a_lingering_close(serve, tmp_path):
    """Connection: close with a body the app never read: the loop flushes the file, then shuts its
    side and discards the body; the client gets the whole file and a clean EOF, not a reset."""
    content = patterned_file(tmp_path, "content.bin", 3 << 20)
    server = serve(APP, "--processes", "1")
    unread = b"x" * (200 * 1024)  # over post-buffering: streamed to the app, which ignores it
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(f"POST /file?path={content} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
                  f"Content-Length: {len(unread)}\r\n\r\n".encode() + unread)
        data = b""
        while chunk := s.recv(1 << 20):
            data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200") and b"Connection: close" in head
    assert body == content.read_bytes()
    hello(server.port)
