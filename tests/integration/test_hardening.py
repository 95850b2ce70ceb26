"""Hostile clients on the HTTP port: a clear 4xx, a closed connection when framing is in doubt,
never a crash, a hang or a slow-down for others."""
import socket
import time

import pytest
import requests


from harness import APPS
from rawhttp import RawConnection, request

SMUGGLING = [
    ("cl_and_te", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("two_cl", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
    ("cl_signed", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc", 400),
    ("cl_overflow", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 184467440737095516160\r\n\r\n", 400),
    ("cl_not_numeric", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3x\r\n\r\nabc", 400),
    ("te_not_final_chunked", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, identity\r\n\r\n", 400),
    ("te_gzip", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
    ("chunk_size_invalid", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 400),
    ("chunk_size_overflow", b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n1ffffffffffffffff\r\n", 400),
    ("space_in_name", b"GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n", 400),
    ("space_before_colon", b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
    ("invalid_name_char", b"GET / HTTP/1.1\r\nX{y}: v\r\n\r\n", 400),
    ("obs_fold", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n", 400),
    ("nul_in_head", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400),
    ("bare_cr", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400),
    ("invalid_method", b"G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400),
    ("invalid_version", b"GET / HTTP/x.y\r\nHost: x\r\n\r\n", 400),
    ("unsupported_version", b"GET / HTTP/1.7\r\nHost: x\r\n\r\n", 505),
    ("tls_client_hello", bytes.fromhex("16030100c4010000c00303") + b"\x00" * 40, 400),
    ("http2_preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400),
]


@pytest.mark.parametrize("name,data,status", SMUGGLING, ids=[c[0] for c in SMUGGLING])
def test_malformed_framing_is_refused_and_connection_closed(serve, name, data, status):
    s = serve("echo.py")
    conn = RawConnection(s.port)
    conn.send(data)
    r = conn.read_response()
    assert r.status == status, name
    assert r.header("connection") == "close"
    assert conn.closed_by_peer()
    assert request(s.port, b"GET /alive HTTP/1.1\r\nHost: x\r\n\r\n").status == 200  # the worker lives


def test_pipelined_smuggling_attempt_never_reaches_the_app(serve):
    s = serve("echo.py")
    conn = RawConnection(s.port)
    conn.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n"
              b"GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.read_response().status == 400
    assert conn.closed_by_peer()
    time.sleep(0.2)
    assert "/smuggled" not in s.log()


def test_limits_each_have_their_status(serve):
    s = serve("echo.py", "--buffer-size", "4096", "--limit-post", "1000")
    assert request(s.port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 5000 + b"\r\n\r\n").status == 431
    many = b"".join(b"X-%d: v\r\n" % i for i in range(150))
    assert request(s.port, b"GET / HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n").status == 431
    assert request(s.port, b"GET /" + b"u" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n").status in (414, 431)
    # Over limit-post by Content-Length: refused from the head, the body is never read.
    conn = RawConnection(s.port)
    conn.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 50000\r\n\r\n" + b"b" * 100)
    assert conn.read_response().status == 413
    # Over limit-post in chunks.
    chunks = b"".join(b"200\r\n" + b"c" * 512 + b"\r\n" for _ in range(3)) + b"0\r\n\r\n"
    r = request(s.port, b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks)
    assert r.status == 413
    # At the limit: served.
    ok = requests.post(s.url("/"), data=b"d" * 1000, timeout=10)
    assert ok.status_code == 200 and ok.json()["body_length"] == 1000


def test_uri_too_long_is_414(serve):
    s = serve("echo.py", "--buffer-size", "65535")
    assert request(s.port, b"GET /" + b"u" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n").status == 414


def test_slow_head_is_dropped_after_http_timeout(serve):
    s = serve("echo.py", "--http-timeout", "1")
    sock = socket.create_connection(("127.0.0.1", s.port))
    sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
    sock.settimeout(8)
    started = time.monotonic()
    assert sock.recv(100) == b""  # closed by the server
    assert time.monotonic() - started < 6
    sock.close()


def test_stalled_body_is_dropped_and_logged_at_debug_only(serve):
    s = serve("routes.py", "--http-timeout", "1")
    conn = RawConnection(s.port)
    conn.send(b"POST /read-chunks HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + b"x" * 10)
    conn.sock.settimeout(8)
    data = conn.read_until_close()
    assert data == b"" or data.startswith(b"HTTP/1.1 400")
    assert requests.get(s.url("/pid"), timeout=10).status_code == 200
    assert "Traceback" not in s.log() and "[error]" not in s.log()


def test_client_leaving_mid_request_is_not_an_error(serve):
    s = serve("routes.py")
    sock = socket.create_connection(("127.0.0.1", s.port))
    sock.sendall(b"POST /read-chunks HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"x" * 1000)
    time.sleep(0.2)
    sock.close()
    assert requests.get(s.url("/pid"), timeout=10).status_code == 200
    time.sleep(0.3)
    assert "Traceback" not in s.log() and "[error]" not in s.log()


def test_keepalive_zero_disables_keep_alive(serve):
    s = serve("echo.py", "--http-keepalive", "0")
    conn = RawConnection(s.port)
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.read_response().header("connection") == "close"
    assert conn.closed_by_peer()


# uWSGI's meaning of http-keepalive: a number above 1 is the idle timeout; http-keepalive-timeout
# is appserver's own key for it.
@pytest.mark.parametrize("option", [("--http-keepalive-timeout", "1"), ("--http-keepalive", "2")])
def test_idle_keepalive_connection_closed_after_its_timeout(serve, option):
    s = serve("echo.py", *option)
    conn = RawConnection(s.port)
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.read_response().status == 200
    started = time.monotonic()
    assert conn.closed_by_peer(timeout=8)
    assert time.monotonic() - started < 6


# `http-keepalive = 1` (or a bare `http-keepalive`, or true) in a uWSGI config means "on", not a
# one-second timeout: the connection outlives a second and carries a second request.
@pytest.mark.parametrize("value", ["1", "true"])
def test_http_keepalive_one_means_on(serve, value):
    s = serve("echo.py", "--http-keepalive", value)
    conn = RawConnection(s.port)
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.read_response().status == 200
    time.sleep(2.5)
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.read_response().status == 200


def test_hundreds_of_slow_clients_do_not_delay_others(serve):
    s = serve("echo.py", "--processes", "2")
    slow = []
    for i in range(300):
        sock = socket.create_connection(("127.0.0.1", s.port))
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"s" * (i % 50))
        slow.append(sock)
    started = time.monotonic()
    for _ in range(20):
        assert requests.get(s.url("/"), timeout=5).status_code == 200
    assert time.monotonic() - started < 5
    for sock in slow:
        sock.close()


def test_hundreds_of_slow_readers_do_not_hold_the_workers(serve):
    """Responses larger than the kernel's socket buffers, to clients that never read: the worker
    keeps the rest (write-behind) and serves others meanwhile."""
    s = serve(None, "--wsgi-file", str(APPS / "routes.py"), "--callable", "sized_app", "--processes", "2",
              "--disable-logging")
    readers = []
    for i in range(100):
        sock = socket.create_connection(("127.0.0.1", s.port))
        if i > 0:  # the first one reads at the end, at full speed
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"GET /?5000000 HTTP/1.1\r\nHost: x\r\n\r\n")
        readers.append(sock)
    time.sleep(1)
    started = time.monotonic()
    for _ in range(10):
        assert requests.get(s.url("/?10"), timeout=10).content == b"x" * 10
    assert time.monotonic() - started < 5
    # The kept bytes are still delivered to a reader that finally reads.
    readers[0].settimeout(10)
    received = b""
    while len(received) < 5000000:
        chunk = readers[0].recv(1 << 20)
        assert chunk
        received += chunk
    assert received.endswith(b"x" * 1000) and b"Content-Length: 5000000" in received
    for sock in readers:
        sock.close()


def test_slow_reader_is_dropped_after_timeout(serve):
    s = serve("routes.py", "--http-timeout", "1")
    sock = socket.create_connection(("127.0.0.1", s.port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(b"GET /slow-closing?reader HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(4)  # never read: the server's writes stall, then it gives up
    assert requests.get(s.url("/pid"), timeout=10).status_code == 200  # single worker: it is free again
    sock.close()
