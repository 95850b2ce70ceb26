"""The crashing application: every way apps/redteam_app.py goes wrong must give the client a
sensible answer (a 500, or a connection cut before a clean end of the body) and leave the worker
serving. (test_wsgi.py already covers an exception in the app, a bad header, a str body, an error
after the head and close() on disconnect of a finite response.)"""
import os
import signal
import socket
import time

import pytest

from harness import APPS, Server, free_port, pid_alive, wait_until
from rawhttp import RawConnection


@pytest.fixture(params=[1, 4], ids=["inline", "threads"])
def server(request, tmp_path):
    port = free_port()
    s = Server(["--http", f"127.0.0.1:{port}", "--wsgi-file", str(APPS / "redteam_app.py"), "--processes", "1",
                "--threads", str(request.param)], tmp_path, port=port,
               env={"REDTEAM_LOG": str(tmp_path / "redteam.log")})
    s.start()
    s.wait_workers(1)
    s.notes = tmp_path / "redteam.log"
    yield s
    s.stop()


def exchange(port, path, timeout=10):
    """One request with Connection: close; everything the server sent until it closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        c.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := c.recv(1 << 20):
            data += chunk
        return data


def worker_pid(s):
    return exchange(s.port, "/pid").split(b"\r\n\r\n", 1)[1]


def notes(s):
    try:
        return s.notes.read_text()
    except OSError:
        return ""


@pytest.mark.parametrize("path,status", [("/none", 500), ("/yields-int", 500), ("/start-twice", 500),
                                         ("/sys-exit", 500), ("/keyboard-interrupt", 500), ("/generator-exit", 500)])
def test_a_broken_result_before_the_head_is_a_500(server, path, status):
    pid = worker_pid(server)
    assert exchange(server.port, path).startswith(f"HTTP/1.1 {status} ".encode())
    assert worker_pid(server) == pid


@pytest.mark.parametrize("path", ["/yields-str-later", "/start-twice-after-body", "/sys-exit-in-iterator"])
def test_a_broken_result_after_the_head_cuts_the_body(server, path):
    pid = worker_pid(server)
    data = exchange(server.port, path)
    assert data.startswith(b"HTTP/1.1 200 ") and b"Transfer-Encoding: chunked" in data
    assert not data.endswith(b"0\r\n\r\n")  # the client can tell the body is incomplete
    assert worker_pid(server) == pid


def test_close_that_raises_is_logged_and_the_response_stands(server):
    pid = worker_pid(server)
    data = exchange(server.port, "/close-raises")
    assert data.startswith(b"HTTP/1.1 200 ") and data.endswith(b"body before a failing close\r\n0\r\n\r\n")
    assert wait_until(lambda: "the response's close() failed" in server.log())
    assert worker_pid(server) == pid


def test_write_during_iteration_and_in_close_stays_well_framed(server):
    assert exchange(server.port, "/write-after-return").endswith(b"1\r\nx\r\n4\r\nlate\r\n0\r\n\r\n")
    assert exchange(server.port, "/write-after-close").endswith(b"4\r\ndone\r\na\r\nfrom close\r\n0\r\n\r\n")


def test_a_one_megabyte_header_leaves_the_worker_serving(server):
    pid = worker_pid(server)
    data = exchange(server.port, "/huge-header")
    assert data.startswith((b"HTTP/1.1 200 ", b"HTTP/1.1 500 "))
    assert data.endswith(b"huge") or data.startswith(b"HTTP/1.1 500 ")
    assert worker_pid(server) == pid


def test_an_endless_stream_to_a_client_that_leaves_is_closed(server):
    """The worker notices the client is gone (its writes fail), stops iterating and calls close()."""
    pid = worker_pid(server)
    c = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    c.sendall(b"GET /endless?gone HTTP/1.1\r\nHost: x\r\n\r\n")
    assert c.recv(65536).startswith(b"HTTP/1.1 200 ")
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # close with a reset
    c.close()
    assert wait_until(lambda: "endless-closed gone" in notes(server), timeout=15), server.log()[-2000:]
    assert worker_pid(server) == pid


def test_an_app_that_forks_and_exits_in_the_child(server):
    pid = worker_pid(server)
    assert exchange(server.port, "/fork").endswith(b"forked")
    assert worker_pid(server) == pid


@pytest.mark.parametrize("how", ["return", "exit", "raise"])
def test_a_child_the_app_forked_that_comes_back_leaves_and_the_worker_goes_on(server, how):
    """os.fork() in the app, and the child returns, calls sys.exit() or raises instead of ending
    with os._exit(): it must leave without writing to the client, and the worker must go on
    accepting. The previous binary let the child answer a second time on the same connection
    (a 500 after the 200), and its stop took the listening sockets out of the epoll set it
    shares with the parent: the worker never accepted again; with threads, the child never
    ended and kept the port after the server stopped."""
    pid = worker_pid(server)
    conn = RawConnection(server.port, timeout=5)
    try:
        conn.send(f"GET /fork-return?{how} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        first = conn.read_response()
        assert (first.status, first.body) == (200, b"from " + pid)
        conn.send(b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n")  # the child's answer would come first
        second = conn.read_response()
        assert (second.status, second.body) == (200, pid)
    finally:
        conn.sock.close()
    assert wait_until(lambda: "child-returning" in notes(server), 5)
    child = int(notes(server).split("child-returning ")[1].split()[0])
    try:
        assert wait_until(lambda: not pid_alive(child), 5), "the child the app forked is still running"
        for _ in range(3):  # new connections: the worker still accepts (the child took nothing away)
            assert worker_pid(server) == pid
        assert "forked by the application, returned into the server" in server.log()
    finally:
        if pid_alive(child):
            os.kill(child, signal.SIGKILL)


def test_a_child_the_app_forked_does_not_hold_the_connection_open(server):
    started = time.monotonic()
    data = exchange(server.port, "/fork-linger", timeout=10)
    took = time.monotonic() - started
    child = int(data.rsplit(b" ", 1)[1])
    try:
        assert took < 2, f"the client waited {took:.1f} s for the end of a Connection: close response"
    finally:
        try:
            os.kill(child, signal.SIGKILL)
        except ProcessLookupError:
            pass
