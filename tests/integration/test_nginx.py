"""appserver behind a real nginx (uwsgi_pass), over TCP and over a unix socket, and an nginx upstream
of two appserver instances that keeps answering while one of them stops."""
import hashlib
import os
import signal

import pytest
import requests

from harness import APPS, Server, can_connect, free_port, wait_until
from nginx import NGINX, Nginx

pytestmark = pytest.mark.skipif(not os.path.exists(NGINX), reason=f"{NGINX} is absent (apt-get install nginx-light)")

APP = str(APPS / "behind_nginx.py")
PATTERN = bytes(range(256)) * 256


@pytest.fixture
def stack(tmp_path, sock_dir):
    """stack(*transports) -> (nginx, [appserver Server, ...]): one appserver per transport ("tcp" or
    "unix"), each with a uwsgi `socket`, all in one nginx upstream."""
    started = []

    def start(*transports, extra=()):
        servers, addresses = [], []
        for i, transport in enumerate(transports):
            if transport == "tcp":
                address = ("127.0.0.1", free_port())
                spec = f"{address[0]}:{address[1]}"
            else:
                address = spec = os.path.join(sock_dir, f"app{i}.sock")
            server = Server(["--socket", spec, "--wsgi-file", APP, *extra], tmp_path)
            started.append(server)
            server.start(wait_port=False)
            assert wait_until(lambda: server.proc.poll() is not None or can_connect(address), 15), server.log()
            assert server.proc.poll() is None, server.log()
            servers.append(server)
            addresses.append(address)
        front = Nginx(tmp_path, addresses)
        started.append(front)
        front.start()
        return front, servers

    yield start
    for thing in reversed(started):
        thing.stop()


def env_of(resp):
    assert resp.status_code == 200, resp.text
    return resp.json()


@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_get_with_query_and_percent_encoded_path(stack, transport):
    front, (app,) = stack(transport)
    r = requests.get(front.url("/caf%C3%A9/a%20b/x%2By?q=1&name=J%C3%BCrgen&empty="), timeout=10)
    env = env_of(r)
    assert r.headers["X-App"] == "behind-nginx"
    assert env["REQUEST_METHOD"] == "GET"
    # PATH_INFO is decoded bytes (as latin-1 str, per PEP 3333); the query string is left as sent.
    assert env["PATH_INFO"] == "/café/a b/x+y".encode().decode("latin-1")
    assert env["QUERY_STRING"] == "q=1&name=J%C3%BCrgen&empty="
    assert env["REQUEST_URI"] == "/caf%C3%A9/a%20b/x%2By?q=1&name=J%C3%BCrgen&empty="
    assert env["SCRIPT_NAME"] == ""
    assert env["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert env["wsgi.url_scheme"] == "http"
    assert env["body_length"] == 0
    head = requests.head(front.url("/anything"), timeout=10)
    assert head.status_code == 200 and head.content == b""
    assert '"GET /caf%C3%A9/a%20b/x%2By?q=1&name=J%C3%BCrgen&empty= HTTP/1.1" 200' in app.log()


@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_post_of_one_mib_body(stack, transport):
    front, _ = stack(transport)
    body = os.urandom(1 << 20)
    r = requests.post(front.url("/upload"), data=body, headers={"Content-Type": "application/octet-stream"},
                      timeout=20)
    assert r.status_code == 200, r.text
    assert r.text == f"{len(body)} {hashlib.sha256(body).hexdigest()}"
    # The echo route sees the body's CGI variables as nginx sent them.
    env = env_of(requests.post(front.url("/echo"), data=b"a=1&b=2",
                               headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10))
    assert env["CONTENT_LENGTH"] == "7"
    assert env["CONTENT_TYPE"] == "application/x-www-form-urlencoded"
    assert env["body_length"] == 7


@pytest.mark.parametrize("transport", ["tcp", "unix"])
@pytest.mark.parametrize("route", ["/big", "/big-length"])
def test_large_response(stack, transport, route):
    front, _ = stack(transport)
    n = 8 * 1024 * 1024 + 123
    r = requests.get(front.url(f"{route}?{n}"), timeout=30)
    assert r.status_code == 200
    assert len(r.content) == n
    expected = (PATTERN * (n // len(PATTERN) + 1))[:n]
    assert hashlib.sha256(r.content).digest() == hashlib.sha256(expected).digest()


@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_headers_through_uwsgi_params(stack, transport):
    front, _ = stack(transport)
    r = requests.get(front.url("/echo?x=1"), timeout=10,
                     headers={"X-Custom": "custom value", "User-Agent": "appserver-test/1", "Cookie": "a=b",
                              "Accept-Language": "de"})
    env = env_of(r)
    assert env["HTTP_X_CUSTOM"] == "custom value"
    assert env["HTTP_USER_AGENT"] == "appserver-test/1"
    assert env["HTTP_COOKIE"] == "a=b"
    assert env["HTTP_ACCEPT_LANGUAGE"] == "de"
    # Debian's uwsgi_params sends HTTP_HOST as $host (no port) rather than the client's header.
    assert env["HTTP_HOST"] in ("127.0.0.1", f"127.0.0.1:{front.port}")
    assert env["REMOTE_ADDR"] == "127.0.0.1"
    assert env["SERVER_NAME"] == "localhost"
    assert env["SERVER_PORT"] == str(front.port)
    assert env["REQUEST_SCHEME"] == "http"
    assert env["wsgi.url_scheme"] == "http"
    assert env_of(requests.get(front.url("/tls/x"), timeout=10))["wsgi.url_scheme"] == "https"


def test_threads_serve_uwsgi_requests(stack):
    front, (app,) = stack("unix", extra=("--threads", "4"))
    for _ in range(10):
        r = requests.post(front.url("/upload"), data=b"x" * 100000, timeout=10)
        assert r.text.startswith("100000 ")
    assert env_of(requests.get(front.url("/echo"), timeout=10))["wsgi.multithread"] is True


def test_upstream_keeps_answering_when_one_instance_stops(stack):
    front, (first, second) = stack("tcp", "tcp")
    # Both instances take requests (nginx round-robins over its upstream).
    pids = {requests.get(front.url("/pid"), timeout=10).text for _ in range(10)}
    assert len(pids) == 2, pids
    first.signal(signal.SIGTERM)  # graceful stop of the first instance's master
    assert first.wait(timeout=20) == 0, first.log()
    survivors = set()
    for _ in range(20):
        r = requests.get(front.url("/pid"), timeout=10)
        assert r.status_code == 200, front.error_log()
        survivors.add(r.text)
    assert len(survivors) == 1 and survivors < pids
    assert second.proc.poll() is None
