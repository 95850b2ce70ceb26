"""Nothing a client sends may hold a worker outside the application call, and idle connections cost
little (issue 8, items 1, 5, 6). Each test first leaves a connection in the state that used to block
the worker, then checks that another client is served at once."""
import os
import resource
import socket
import time
from pathlib import Path

import pytest

from harness import APPS, connect, free_port, wait_until
from rawhttp import RawConnection, answered_in
from uwsgi_client import Response, packet
from uwsgi_client import request as uwsgi_request

APP = "worker_dos.py"
PROMPT = 5  # seconds within which an unrelated request must be answered (the old block was 60 s)


def served_promptly(port, path="/other"):
    """Another client gets its answer (within PROMPT) while the worker holds the troublesome connection."""
    return answered_in(port, path, timeout=PROMPT)


def uwsgi_served_promptly(port):
    r = uwsgi_request(("127.0.0.1", port), uri="/other", timeout=PROMPT)
    assert r.status == 200 and r.body == b"ok /other"


def start_uwsgi(serve, *extra):
    port = free_port()
    server = serve(args=["--socket", f"127.0.0.1:{port}", "--wsgi-file", str(APPS / APP), "--processes", "1",
                         *extra], port=port)
    return server, port


def read_until(sock, marker, timeout=PROMPT):
    sock.settimeout(timeout)
    data = b""
    while marker not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed before {marker!r}: {data!r}"
        data += chunk
    return data


@pytest.mark.parametrize("threads", [1, 2])
def test_unread_body_never_holds_the_worker(serve, threads):
    server = serve(APP, "--processes", "1", "--threads", str(threads), "--http-timeout", "60")
    stalled = []
    for i in range(threads):  # one per request thread: every one of them used to wait for the body
        conn = RawConnection(server.port, timeout=10)
        conn.send(f"GET /first{i} HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n".encode())
        assert conn.read_response().body == f"ok /first{i}".encode()
        stalled.append(conn)
    served_promptly(server.port)
    # The body, once it comes, is discarded and the connection carries the next request.
    for conn in stalled:
        conn.send(b"x" * 100000 + b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n")
        assert conn.read_response().body == b"ok /next"
        conn.close()


def test_body_over_max_drain_closes_the_connection_after_the_response(serve):
    server = serve(APP, "--processes", "1")
    conn = RawConnection(server.port, timeout=10)
    conn.send(b"POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n" + b"x" * 300000)
    assert conn.read_response().body == b"ok /first"
    served_promptly(server.port)  # while the body is still on its way
    conn.send(b"x" * 2000000)  # past max-drain (1 MiB): the server discards it, then ends the connection
    assert conn.closed_by_peer(timeout=PROMPT)
    conn.close()
    served_promptly(server.port)


def test_body_that_stalls_is_closed_after_http_timeout(serve):
    server = serve(APP, "--processes", "1", "--http-timeout", "3")
    conn = RawConnection(server.port, timeout=10)
    # Over post-buffering (64 KiB): the app is called at once and answers without the body.
    conn.send(b"POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n0123456789")
    assert conn.read_response().body == b"ok /first"
    started = time.monotonic()
    assert served_promptly(server.port) < 2.5  # well before the stalled body times out
    assert conn.closed_by_peer(timeout=15)
    assert time.monotonic() - started >= 2
    conn.close()


def test_chunked_body_under_limit_post_is_read_by_the_event_loop(serve):
    # limit-post makes the server read a chunked body whole before the app runs: a client that
    # stalls in the middle of it must not hold the worker either.
    server = serve(APP, "--processes", "1", "--limit-post", "100000")
    conn = RawConnection(server.port, timeout=10)
    conn.send(b"POST /read HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n")
    assert read_until(conn.sock, b"\r\n\r\n").startswith(b"HTTP/1.1 100 Continue\r\n")
    conn.send(b"5\r\nhello\r\n")
    served_promptly(server.port)
    conn.send(b"6\r\n world\r\n0\r\n\r\n")
    assert conn.read_response().body == b"read 11"
    conn.close()


def test_refusal_after_a_response_the_client_does_not_read(serve):
    # A pipelined bad request behind a large response: the 400 used to be flushed with a blocking
    # wait for the client to read the large response first.
    server = serve(APP, "--processes", "1")
    conn = RawConnection(server.port, timeout=10)
    conn.send(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\nBAD\x01REQUEST\r\n\r\n")
    assert wait_until(lambda: '"GET /big HTTP/1.1" 200' in server.log(), 10), server.log()
    served_promptly(server.port)
    big = conn.read_response()
    assert big.status == 200 and len(big.body) == 6 << 20
    assert conn.read_response().status == 400
    assert conn.closed_by_peer()
    conn.close()


def test_uwsgi_unread_body_never_holds_the_worker(serve):
    server, port = start_uwsgi(serve)
    env = {"REQUEST_METHOD": "POST", "REQUEST_URI": "/first", "PATH_INFO": "/first", "CONTENT_LENGTH": "100000"}
    with connect(("127.0.0.1", port), timeout=10) as s:
        s.sendall(packet(env))  # the body never comes
        assert b"ok /first" in read_until(s, b"ok /first")
        uwsgi_served_promptly(port)
        # The response is complete: the server shuts down its side at once.
        s.settimeout(PROMPT)
        assert s.recv(100) == b""


def test_uwsgi_limit_post_refuses_from_content_length(serve):
    server, port = start_uwsgi(serve, "--limit-post", "1000")
    env = {"REQUEST_METHOD": "POST", "REQUEST_URI": "/read", "PATH_INFO": "/read", "CONTENT_LENGTH": "100000000"}
    with connect(("127.0.0.1", port), timeout=10) as s:
        s.sendall(packet(env, b"x" * 65536))
        r = Response(read_until(s, b"Too Large"))
        assert r.status == 413 and b"read" not in r.body  # the app never ran
        uwsgi_served_promptly(port)
    assert wait_until(lambda: "over limit-post 1000 -> 413" in server.log(), 5), server.log()
    # Within the limit, the body reaches the app.
    r = uwsgi_request(("127.0.0.1", port), method="POST", uri="/read", body=b"y" * 1000)
    assert r.status == 200 and r.body == b"read 1000"


def rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


@pytest.mark.skipif("ASAN_OPTIONS" in os.environ, reason="ASan's allocator keeps freed memory (quarantine)")
def test_idle_connections_cost_little_and_are_given_back(serve):
    count = 2000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # the server inherits it
    if hard < 2 * count + 100:
        pytest.skip(f"RLIMIT_NOFILE hard limit {hard} is too low for {count} connections")
    server = serve(APP, "--processes", "1", "--disable-logging", "--http-keepalive", "120")
    (worker,) = server.wait_workers(1)
    for _ in range(20):  # the app's first requests allocate for good: not the connections' cost
        served_promptly(server.port)
    time.sleep(0.5)
    before = rss_kb(worker)
    socks = []
    try:
        for i in range(count):
            s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
            socks.append(s)
            # Half sit between requests after one, half in the middle of a request head.
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n" if i % 2 == 0 else b"GET / HTTP/1.1\r\nHost")
        for s in socks[::2]:
            assert read_until(s, b"ok /").startswith(b"HTTP/1.1 200")
        # The half-sent heads arrive with the connection (TCP_DEFER_ACCEPT): wait for them to be read.
        assert wait_until(lambda: len(list(Path(f"/proc/{worker}/fd").iterdir())) >= count, 15)
        time.sleep(0.5)
        held = rss_kb(worker)
    finally:
        for s in socks:
            s.close()
    per_connection = (held - before) * 1024 / count
    assert per_connection < 6 * 1024, f"{per_connection:.0f} bytes per idle connection ({before} -> {held} KB)"
    assert wait_until(lambda: len(list(Path(f"/proc/{worker}/fd").iterdir())) < 100, 15)
    # Memory goes back once they are gone (allow a little for what glibc keeps).
    assert wait_until(lambda: rss_kb(worker) < before + 2048, 5), f"{before} KB -> {held} KB -> {rss_kb(worker)} KB"
    served_promptly(server.port)


@pytest.fixture
def behind_nginx(tmp_path, sock_dir):
    """behind_nginx(*extra) -> (nginx, appserver) with appserver on a unix uwsgi socket."""
    from nginx import NGINX, Nginx
    from harness import Server
    if not Path(NGINX).exists():
        pytest.skip(f"{NGINX} is absent")
    started = []

    def start(*extra):
        path = str(Path(sock_dir) / "app.sock")
        app = Server(["--socket", path, "--wsgi-file", str(APPS / APP), "--processes", "1", *extra], tmp_path)
        started.append(app)
        app.start(wait_port=False)
        assert wait_until(lambda: app.proc.poll() is not None or Path(path).exists(), 15), app.log()
        front = Nginx(tmp_path, [path])
        started.append(front)
        front.start()
        return front, app

    yield start
    for thing in reversed(started):
        thing.stop()


@pytest.mark.parametrize("size", [300_000, 10_000_000])
def test_nginx_gets_the_response_when_the_app_leaves_the_body_unread(behind_nginx, size):
    import requests
    front, app = behind_nginx()
    for _ in range(3):
        r = requests.post(front.url("/unread"), data=b"z" * size, timeout=20)
        assert r.status_code == 200 and r.content == b"ok /unread", front.error_log()
    assert "upstream" not in front.error_log(), front.error_log()


def test_nginx_passes_on_the_413_of_limit_post(behind_nginx):
    import requests
    front, app = behind_nginx("--limit-post", "1000")
    for _ in range(3):
        r = requests.post(front.url("/read"), data=b"z" * 5_000_000, timeout=20)
        assert r.status_code == 413, front.error_log()
    assert requests.post(front.url("/read"), data=b"z" * 1000, timeout=20).content == b"read 1000"
    assert "upstream" not in front.error_log(), front.error_log()
