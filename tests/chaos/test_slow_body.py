"""A client that sends its request slowly holds neither a worker nor a connection for long (issue 8,
siblings of item 1): a body up to post-buffering is read by the event loop before the app is called,
and http-timeout is a total for a request head and for a body read ahead, not a silence that each
trickled byte restarts."""
import hashlib
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from harness import APPS, free_port, wait_until
from rawhttp import RawConnection, answered_in
from uwsgi_client import packet
from uwsgi_client import request as uwsgi_request

APP = str(APPS / "slow_body.py")
PROMPT = 2.5  # seconds: another client's answer while one trickles (the old block: the whole trickle)


def read_answer(body):
    return b"read %d %s" % (len(body), hashlib.sha256(body).hexdigest().encode())


class Trickle(threading.Thread):
    """Sends `data` one byte every `interval` seconds on `sock`, until done or told to stop."""

    def __init__(self, sock, data, interval):
        super().__init__(daemon=True)
        self.sock, self.data, self.interval = sock, data, interval
        self.stop = threading.Event()
        self.sent = 0
        self.error = None

    def run(self):
        for i in range(len(self.data)):
            if self.stop.wait(self.interval):
                return
            try:
                self.sock.sendall(self.data[i:i + 1])
            except OSError as e:  # closed by the server
                self.error = e
                return
            self.sent += 1


def closed_after(sock, limit):
    """Seconds until the server closes `sock` (EOF or reset), reading and discarding; None if not within limit."""
    started = time.monotonic()
    sock.settimeout(0.5)
    while time.monotonic() - started < limit:
        try:
            if not sock.recv(65536):
                return time.monotonic() - started
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - started
    return None


@pytest.mark.parametrize("threads", [1, 2])
def test_trickled_small_body_does_not_hold_the_worker(serve, threads):
    server = serve(APP, "--processes", "1", "--threads", str(threads), "--http-timeout", "30")
    body = b"0123456789ab"
    slow, trickles = [], []
    try:
        for _ in range(threads):  # one per request thread: each used to wait in wsgi.input.read()
            conn = RawConnection(server.port, timeout=20)
            conn.send(b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:1])
            slow.append(conn)
            trickles.append(Trickle(conn.sock, body[1:], 0.5))
        for t in trickles:
            t.start()
        waited = answered_in(server.port)
        assert waited < PROMPT, f"another client waited {waited:.2f} s behind a trickled body"
        print(f"\nanother client answered in {waited:.3f} s while {threads} trickled")
        assert all(t.sent < len(body) - 1 for t in trickles), "a trickle ended before the other client was answered"
        for conn, t in zip(slow, trickles):
            t.join(15)
            assert conn.read_response().body == read_answer(body)
    finally:
        for t in trickles:
            t.stop.set()
        for conn in slow:
            conn.close()


def test_expect_100_continue_is_answered_by_the_loop(serve):
    server = serve(APP, "--processes", "1", "--http-timeout", "30")
    slow = RawConnection(server.port, timeout=10)
    try:
        slow.send(b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        got = b""
        while b"\r\n\r\n" not in got:
            chunk = slow.sock.recv(100)
            assert chunk, got
            got += chunk
        assert got.startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        slow.buf = got[len(b"HTTP/1.1 100 Continue\r\n\r\n"):]
        # The client takes its time after the 100: the worker serves others meanwhile.
        waited = answered_in(server.port)
        assert waited < PROMPT, f"another client waited {waited:.2f} s behind a client sending its body"
        slow.send(b"hello")
        assert slow.read_response().body == read_answer(b"hello")
    finally:
        slow.close()


def test_trickled_head_is_closed_after_http_timeout_in_all(serve):
    server = serve(APP, "--processes", "1", "--http-timeout", "3")
    slow = RawConnection(server.port, timeout=10)
    head = b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * 40
    trickle = Trickle(slow.sock, head, 1.0)  # each byte well within the 3 s of a per-read timeout
    trickle.start()
    try:
        closed = closed_after(slow.sock, 12)
        assert closed is not None, "a head trickled one byte a second kept its connection for 12 s"
        assert 2.0 <= closed <= 8.0, closed
        print(f"\ntrickled head closed after {closed:.2f} s (http-timeout 3)")
        assert answered_in(server.port) < PROMPT
    finally:
        trickle.stop.set()
        slow.close()


def test_trickled_small_body_is_closed_after_http_timeout_in_all(serve):
    server = serve(APP, "--processes", "1", "--http-timeout", "3")
    body = b"b" * 40
    slow = RawConnection(server.port, timeout=10)
    slow.send(b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body))
    trickle = Trickle(slow.sock, body, 1.0)
    trickle.start()
    try:
        closed = closed_after(slow.sock, 12)
        assert closed is not None, "a body trickled one byte a second kept its connection for 12 s"
        assert 2.0 <= closed <= 8.0, closed
        assert trickle.sent < len(body)
        assert answered_in(server.port) < PROMPT
    finally:
        trickle.stop.set()
        slow.close()


def test_post_buffering_sets_how_much_is_read_ahead(serve):
    # 200 KiB is over the 64 KiB default; with post-buffering above it, a client pausing in the
    # middle of such a body holds no worker either.
    server = serve(APP, "--processes", "1", "--post-buffering", "300000", "--http-timeout", "30")
    body = bytes(range(256)) * 800
    slow = RawConnection(server.port, timeout=20)
    try:
        slow.send(b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body[:100000])
        waited = answered_in(server.port)
        assert waited < PROMPT, f"another client waited {waited:.2f} s behind a paused 200 KiB body"
        slow.send(body[100000:])
        assert slow.read_response().body == read_answer(body)
    finally:
        slow.close()


def test_body_over_post_buffering_reaches_the_app_intact(serve):
    # Streamed to the app as it arrives: Content-Length and chunked, the chunked one partly read
    # ahead by the loop first.
    server = serve(APP, "--processes", "1", "--post-buffering", "1024")
    body = bytes(range(256)) * 800
    conn = RawConnection(server.port, timeout=20)
    try:
        conn.send(b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        assert conn.read_response().body == read_answer(body)
        chunked = b"".join(b"%x\r\n" % len(body[i:i + 3000]) + body[i:i + 3000] + b"\r\n"
                           for i in range(0, len(body), 3000))
        conn.send(b"POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked[:5000])
        conn.send(chunked[5000:] + b"0\r\n\r\n")
        assert conn.read_response().body == read_answer(body)
    finally:
        conn.close()


def test_trickled_body_on_the_uwsgi_socket_does_not_hold_the_worker(serve):
    port = free_port()
    serve(args=["--socket", f"127.0.0.1:{port}", "--wsgi-file", APP, "--processes", "1",
                "--http-timeout", "30"], port=port)
    body = b"0123456789"
    slow = socket.create_connection(("127.0.0.1", port), timeout=20)
    trickle = None
    try:
        slow.sendall(packet({"REQUEST_METHOD": "POST", "PATH_INFO": "/read", "REQUEST_URI": "/read",
                             "CONTENT_LENGTH": str(len(body))}) + body[:1])
        trickle = Trickle(slow, body[1:], 0.5)
        trickle.start()
        started = time.monotonic()
        r = uwsgi_request(("127.0.0.1", port), uri="/other", timeout=15)
        waited = time.monotonic() - started
        assert r.status == 200 and r.body == b"ok /other"
        assert waited < PROMPT, f"another request waited {waited:.2f} s behind a trickled body"
        trickle.join(15)
        slow.settimeout(10)
        data = b""
        while chunk := slow.recv(65536):
            data += chunk
        assert data.endswith(read_answer(body)), data
    finally:
        if trickle:
            trickle.stop.set()
        slow.close()


def spool_files(pid, directory):
    """The worker's open files in `directory` (an unnamed temporary file shows as 'DIR/#N (deleted)')."""
    found = []
    fd_dir = Path(f"/proc/{pid}/fd")
    for fd in fd_dir.iterdir() if fd_dir.exists() else []:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(directory) + "/"):
            found.append(target)
    return found


@pytest.mark.parametrize("chunked", [False, True])
def test_body_past_post_buffering_under_limit_post_goes_to_an_unnamed_file(serve, tmp_path, chunked):
    spool = tmp_path / "spool"
    spool.mkdir()
    server = serve(APP, "--processes", "1", "--post-buffering", "4096", "--limit-post", "1000000",
                   "--http-timeout", "30", env={"TMPDIR": str(spool)})
    [worker] = server.wait_workers(1)
    body = bytes(range(256)) * 800
    if chunked:
        head = b"POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        data = b"".join(b"%x\r\n" % len(body[i:i + 3000]) + body[i:i + 3000] + b"\r\n"
                        for i in range(0, len(body), 3000)) + b"0\r\n\r\n"
    else:
        head = b"POST /read HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body)
        data = body
    slow = RawConnection(server.port, timeout=20)
    try:
        slow.send(head + data[:100000])
        # The client pauses halfway: the part received is in an unnamed file, the worker is free.
        assert wait_until(lambda: spool_files(worker, spool), 10), "no spool file while the body arrives"
        assert all(t.endswith("(deleted)") for t in spool_files(worker, spool)), spool_files(worker, spool)
        assert list(spool.iterdir()) == []
        waited = answered_in(server.port)
        assert waited < PROMPT, f"another client waited {waited:.2f} s behind a paused 200 KiB body"
        slow.send(data[100000:])
        assert slow.read_response().body == read_answer(body)
        assert wait_until(lambda: not spool_files(worker, spool), 10), "the spool file outlived its request"
    finally:
        slow.close()
