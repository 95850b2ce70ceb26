"""The uwsgi protocol and unix sockets without nginx: a raw uwsgi client, hostile packets, every kind of
listener at once, stale and live unix socket files, chmod-socket."""
import json
import os
import socket
import stat
import struct
import time

import pytest

from harness import APPS, free_port, run_cli, wait_until
from rawhttp import request as http_request
from uwsgi_client import Response, connect, exchange, packet, request

APP = str(APPS / "behind_nginx.py")


@pytest.fixture
def start(serve_ready):
    return serve_ready


def test_every_kind_of_listener_at_once_served_by_the_same_workers(start, sock_dir):
    http_port, http_socket_port, uwsgi_port = free_port(), free_port(), free_port()
    http_unix, uwsgi_unix = os.path.join(sock_dir, "http.sock"), os.path.join(sock_dir, "uwsgi.sock")
    tcp = lambda port: ("127.0.0.1", port)  # noqa: E731
    server = start(["--http", f"127.0.0.1:{http_port}", "--http-socket", f"127.0.0.1:{http_socket_port}",
                    "--http", http_unix, "--socket", f"127.0.0.1:{uwsgi_port}", "--socket", uwsgi_unix,
                    "--wsgi-file", APP, "--processes", "2"],
                   [tcp(http_port), tcp(http_socket_port), http_unix, tcp(uwsgi_port), uwsgi_unix])
    workers = {str(p) for p in server.wait_workers(2)}
    seen = set()
    for _ in range(3):
        for port in (http_port, http_socket_port):
            r = http_request(port, b"GET /pid HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert r.status == 200
            seen.add(r.body.decode())
        raw = exchange(http_unix, b"GET /pid HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert raw.startswith(b"HTTP/1.1 200")
        seen.add(Response(raw).body.decode())
        for address in (tcp(uwsgi_port), uwsgi_unix):
            r = request(address, uri="/pid")
            assert r.status == 200
            seen.add(r.body.decode())
    assert seen <= workers


def test_uwsgi_request_environ_body_and_https(start, sock_dir):
    path = os.path.join(sock_dir, "app.sock")
    server = start(["--socket", path, "--wsgi-file", APP], [path])
    r = request(path, "POST", "/echo?a=1", b"0123456789",
                {"CONTENT_TYPE": "text/plain", "HTTP_X_THING": "y", "HTTPS": "on"})
    assert r.status == 200
    assert r.header("connection") == "close"
    env = json.loads(r.body)
    assert env["PATH_INFO"] == "/echo" and env["QUERY_STRING"] == "a=1"
    assert env["CONTENT_TYPE"] == "text/plain" and env["body_length"] == 10
    assert env["HTTP_X_THING"] == "y" and env["REMOTE_ADDR"] == "10.1.2.3"
    assert env["wsgi.url_scheme"] == "https"
    assert json.loads(request(path, extra={"REQUEST_SCHEME": "https"}).body)["wsgi.url_scheme"] == "https"
    assert json.loads(request(path).body)["wsgi.url_scheme"] == "http"
    # Only the declared CONTENT_LENGTH is body, whatever else follows on the connection.
    raw = exchange(path, packet({"REQUEST_METHOD": "POST", "PATH_INFO": "/upload", "CONTENT_LENGTH": "3"},
                                b"abcdef"))
    assert Response(raw).body.startswith(b"3 ")
    assert wait_until(lambda: '10.1.2.3 "POST /echo?a=1 HTTP/1.1" 200' in server.log(), 10), server.log()  # logged once sent


def test_a_variable_sent_twice_means_the_later_one_for_the_server_and_the_app(start, sock_dir):
    """nginx's uwsgi_params plus `uwsgi_param REQUEST_METHOD ...`: the name comes twice. The server
    (which strips a HEAD response's body) and the application must agree on the later value, as
    uWSGI takes it. Before, the server took the first (HEAD: no body) and the app the last (GET)."""
    path = os.path.join(sock_dir, "app.sock")
    start(["--socket", path, "--wsgi-file", APP], [path])
    env = [("REQUEST_METHOD", "HEAD"), ("REQUEST_URI", "/twice"), ("PATH_INFO", "/twice"), ("QUERY_STRING", ""),
           ("SERVER_PROTOCOL", "HTTP/1.1"), ("SERVER_NAME", "test"), ("SERVER_PORT", "80"),
           ("REMOTE_ADDR", "10.1.2.3"), ("REQUEST_METHOD", "GET")]
    r = Response(exchange(path, packet(env)))
    assert r.status == 200
    assert json.loads(r.body)["REQUEST_METHOD"] == "GET"  # a body came: the server took GET too


def test_body_sent_slowly_after_the_packet(start):
    port = free_port()
    start(["--socket", f"127.0.0.1:{port}", "--wsgi-file", APP], [("127.0.0.1", port)])
    with connect(("127.0.0.1", port)) as s:
        s.sendall(packet({"REQUEST_METHOD": "POST", "PATH_INFO": "/upload", "CONTENT_LENGTH": "200000"}))
        for _ in range(4):
            time.sleep(0.05)
            s.sendall(b"z" * 50000)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    assert Response(data).body.startswith(b"200000 ")


@pytest.mark.parametrize("name, data, logged", [
    ("http", b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", 'HTTP request ("GET / HTTP/1.1")'),
    ("modifier1", packet({"A": "b"}, modifier1=5), "modifier1 5"),
    ("oversized", struct.pack("<BHB", 0, 9000, 0) + b"x" * 100, "larger than buffer-size (8192)"),
    ("past the block", struct.pack("<BHB", 0, 6, 0) + struct.pack("<H", 100) + b"KEYS", "runs past the end"),
    ("bad length", packet({"CONTENT_LENGTH": "12x"}), "bad CONTENT_LENGTH"),
    ("truncated", packet({"REQUEST_METHOD": "GET", "PATH_INFO": "/"})[:-3], "in the middle of a uwsgi packet"),
])
def test_bad_packets_are_logged_and_closed_and_the_worker_lives(start, name, data, logged):
    port = free_port()
    server = start(["--socket", f"127.0.0.1:{port}", "--wsgi-file", APP], [("127.0.0.1", port)])
    workers = server.wait_workers(1)
    with connect(("127.0.0.1", port)) as s:
        s.sendall(data)
        if name == "truncated":
            s.shutdown(socket.SHUT_WR)
        s.settimeout(10)
        try:
            assert s.recv(100) == b""  # closed without an answer
        except ConnectionResetError:
            pass
    assert wait_until(lambda: logged in server.log(), 5), server.log()
    assert request(("127.0.0.1", port), uri="/pid").status == 200
    assert server.workers() == workers


def test_stale_unix_socket_is_replaced_and_a_live_one_refuses_the_start(start, sock_dir, tmp_path):
    path = os.path.join(sock_dir, "app.sock")
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(path)
    stale.close()  # the file stays, nobody listens: what a killed run leaves
    assert stat.S_ISSOCK(os.lstat(path).st_mode)
    start(["--socket", path, "--wsgi-file", APP], [path])
    assert request(path, uri="/pid").status == 200
    second = run_cli(["--socket", path, "--wsgi-file", APP], cwd=tmp_path)
    assert second.returncode == 1
    assert f"socket {path}: another server is listening on it" in second.stderr
    assert request(path, uri="/pid").status == 200  # the first server still has its socket


def test_a_regular_file_in_the_way_is_not_removed(sock_dir, tmp_path):
    path = os.path.join(sock_dir, "app.sock")
    with open(path, "w") as f:
        f.write("precious")
    result = run_cli(["--socket", path, "--wsgi-file", APP], cwd=tmp_path)
    assert result.returncode == 1
    assert "exists and is not a socket" in result.stderr
    assert open(path).read() == "precious"


@pytest.mark.parametrize("mode", ["666", "600", "0660"])
def test_chmod_socket_sets_the_mode_of_unix_sockets(start, sock_dir, mode):
    uwsgi_path, http_path = os.path.join(sock_dir, "u.sock"), os.path.join(sock_dir, "h.sock")
    start(["--socket", uwsgi_path, "--http", http_path, "--chmod-socket", mode, "--wsgi-file", APP],
          [uwsgi_path, http_path])
    for path in (uwsgi_path, http_path):
        assert stat.S_IMODE(os.stat(path).st_mode) == int(mode, 8)


@pytest.mark.parametrize("mode", ["rw", "668", "6666x", "66"])
def test_bad_chmod_socket_is_one_line_and_exit_1(sock_dir, tmp_path, mode):
    result = run_cli(["--socket", os.path.join(sock_dir, "a.sock"), "--chmod-socket", mode, "--wsgi-file", APP],
                     cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "chmod-socket" in result.stderr and "octal" in result.stderr


def test_socket_address_forms(start):
    port = free_port()
    start(["--socket", f":{port}", "--wsgi-file", APP], [("127.0.0.1", port)])
    assert request(("127.0.0.1", port), uri="/pid").status == 200
    v6 = free_port()
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback")
    start(["--socket", f"[::1]:{v6}", "--wsgi-file", APP], [])
    assert wait_until(lambda: _v6_request(v6), 10)


def _v6_request(port):
    try:
        with socket.create_connection(("::1", port), timeout=2) as s:
            s.sendall(packet({"REQUEST_METHOD": "GET", "PATH_INFO": "/pid"}))
            return s.recv(100).startswith(b"HTTP/1.0 200")
    except OSError:
        return False
