"""forwarded-allow-ips: a trusted front proxy's X-Forwarded-Proto/-For/-Ssl set wsgi.url_scheme and
REMOTE_ADDR, over HTTP and over the uwsgi protocol; anyone else's change nothing. Clients pick their
loopback source address (127.0.0.1 is the trusted proxy, 127.0.0.2 a client on the internet)."""
import json
import os
import socket

import pytest

from harness import APPS, free_port
from nginx import NGINX, Nginx
from uwsgi_client import Response, exchange
from uwsgi_client import request as uwsgi_request

APP = str(APPS / "forwarded.py")
PROXY, STRANGER = "127.0.0.1", "127.0.0.2"


@pytest.fixture
def start(serve_ready):
    """start(*args, ready=[addresses]) -> a Server serving forwarded.py, once every address accepts."""
    return lambda *args, ready: serve_ready(["--wsgi-file", APP, *args], ready)


def http_get(address, path="/", headers=(), source=PROXY):
    """GET over TCP ((host, port), from the loopback address `source`) or a unix socket -> Response."""
    head = f"GET {path} HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\n"
    if isinstance(address, str):
        return Response(exchange(address, head.encode()))
    with socket.create_connection(address, timeout=10, source_address=(source, 0)) as s:
        s.sendall(head.encode())
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return Response(b"".join(chunks))


def env_of(response):
    assert response.status == 200, (response.status_line, response.body)
    return json.loads(response.body)


SPOOF = [("X-Forwarded-Proto", "https"), ("X-Forwarded-For", "203.0.113.66"), ("X-Forwarded-Ssl", "on")]


def test_without_the_option_forwarded_headers_are_plain_variables(start):
    http_port, uwsgi_port = free_port(), free_port()
    start("--http", f"127.0.0.1:{http_port}", "--socket", f"127.0.0.1:{uwsgi_port}",
          ready=[("127.0.0.1", http_port), ("127.0.0.1", uwsgi_port)])
    env = env_of(http_get(("127.0.0.1", http_port), headers=SPOOF))
    assert env["wsgi.url_scheme"] == "http"
    assert env["REMOTE_ADDR"] == "127.0.0.1"
    assert env["REMOTE_PORT"] is not None and env["appserver.proxy_addr"] is None
    assert (env["HTTP_X_FORWARDED_PROTO"], env["HTTP_X_FORWARDED_FOR"]) == ("https", "203.0.113.66")
    # uWSGI 2.0 would say https here (it believes X-Forwarded-Proto from anyone); nginx's own HTTPS=on is
    # believed on a uwsgi socket, as in uWSGI.
    extra = {"HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    env = env_of(uwsgi_request(("127.0.0.1", uwsgi_port), extra=extra))
    assert (env["wsgi.url_scheme"], env["REMOTE_ADDR"]) == ("http", "10.1.2.3")
    env = env_of(uwsgi_request(("127.0.0.1", uwsgi_port), extra={"HTTPS": "on"}))
    assert env["wsgi.url_scheme"] == "https"
    # UWSGI_SCHEME, the operator's uwsgi_param, wins over HTTPS both ways, as in uWSGI 2.0.21.
    for scheme, https in (("http", "on"), ("https", "off"), ("HTTPS", "")):
        env = env_of(uwsgi_request(("127.0.0.1", uwsgi_port), extra={"UWSGI_SCHEME": scheme, "HTTPS": https}))
        assert env["wsgi.url_scheme"] == scheme.lower(), (scheme, https)


def test_a_trusted_proxy_sets_scheme_and_client_and_absolute_urls_say_https(start):
    port = free_port()
    start("--http", f"127.0.0.1:{port}", "--forwarded-allow-ips", "127.0.0.1 ::1", ready=[("127.0.0.1", port)])
    behind_tls = [("X-Forwarded-Proto", "https"), ("X-Forwarded-For", "198.51.100.1, 203.0.113.7")]
    env = env_of(http_get(("127.0.0.1", port), headers=behind_tls))
    assert env["wsgi.url_scheme"] == "https"
    assert env["REMOTE_ADDR"] == "203.0.113.7"  # the rightmost address that is not a trusted proxy
    assert env["appserver.proxy_addr"] == "127.0.0.1"
    assert env["REMOTE_PORT"] is None  # it was the proxy's connection, not the client's
    assert env["HTTPS"] is None  # as uWSGI: only wsgi.url_scheme changes
    assert env["HTTP_X_FORWARDED_FOR"] == "198.51.100.1, 203.0.113.7"
    assert http_get(("127.0.0.1", port), "/uri?x=1", behind_tls).body == b"https://app.example/uri?x=1"
    assert http_get(("127.0.0.1", port), "/flask/here", behind_tls).body == b"https://app.example/flask/here?q=1"
    # X-Forwarded-Ssl, as uWSGI honours it, when X-Forwarded-Proto says nothing.
    env = env_of(http_get(("127.0.0.1", port), headers=[("X-Forwarded-Ssl", "on")]))
    assert (env["wsgi.url_scheme"], env["REMOTE_ADDR"]) == ("https", "127.0.0.1")


def test_a_client_that_is_not_a_trusted_proxy_changes_nothing(start):
    port = free_port()
    start("--http", f"127.0.0.1:{port}", "--forwarded-allow-ips", "127.0.0.1", ready=[("127.0.0.1", port)])
    env = env_of(http_get(("127.0.0.1", port), headers=SPOOF, source=STRANGER))
    assert (env["wsgi.url_scheme"], env["REMOTE_ADDR"], env["appserver.proxy_addr"]) == ("http", STRANGER, None)
    assert env["HTTP_X_FORWARDED_FOR"] == "203.0.113.66"
    assert http_get(("127.0.0.1", port), "/uri", SPOOF, source=STRANGER).body == b"http://app.example/uri"
    assert http_get(("127.0.0.1", port), "/flask/here", SPOOF, source=STRANGER).body == \
        b"http://app.example/flask/here?q=1"
    # Through the trusted proxy, a stranger's own X-Forwarded-For is left of the address the proxy adds.
    env = env_of(http_get(("127.0.0.1", port), headers=[("X-Forwarded-For", f"127.0.0.1, {STRANGER}")]))
    assert env["REMOTE_ADDR"] == STRANGER


def test_malformed_values_from_a_trusted_proxy_change_nothing_and_never_fail(start):
    port = free_port()
    server = start("--http", f"127.0.0.1:{port}", "--forwarded-allow-ips", "127.0.0.1",
                   ready=[("127.0.0.1", port)])
    cases = [
        [("X-Forwarded-Proto", "javascript")],
        [("X-Forwarded-Proto", "https http")],
        [("X-Forwarded-Proto", "s" * 6000)],
        [("X-Forwarded-Proto", ",https")],
        [("X-Forwarded-For", "garbage")],
        [("X-Forwarded-For", "unknown")],
        [("X-Forwarded-For", "203.0.113.7,")],
        [("X-Forwarded-For", "203.0.113.7 198.51.100.1")],
        [("X-Forwarded-For", "1" * 6000)],
        [("X-Forwarded-For", "203.0.113.300")],
        [("X-Forwarded-For", "for=203.0.113.7")],
        [("X-Forwarded-Ssl", "yes")],
    ]
    for headers in cases:
        env = env_of(http_get(("127.0.0.1", port), headers=headers))
        assert (env["wsgi.url_scheme"], env["REMOTE_ADDR"], env["appserver.proxy_addr"]) == \
            ("http", "127.0.0.1", None), headers
    # Many addresses: only the trusted tail is walked; what lies left of the first stranger is ignored.
    many = "198.51.100.1, " * 400 + "203.0.113.7" + ", 127.0.0.1" * 100
    env = env_of(http_get(("127.0.0.1", port), headers=[("X-Forwarded-For", many)]))
    assert env["REMOTE_ADDR"] == "127.0.0.1"  # 100 trusted hops: the walk stopped within them
    env = env_of(http_get(("127.0.0.1", port), headers=[("X-Forwarded-For", "198.51.100.1, " * 500 + "203.0.113.7")]))
    assert env["REMOTE_ADDR"] == "203.0.113.7"
    assert "Traceback" not in server.log()


def test_unix_socket_peers_are_trusted_only_with_unix(start, sock_dir):
    plain, with_unix = os.path.join(sock_dir, "plain.sock"), os.path.join(sock_dir, "unix.sock")
    port = free_port()
    start("--http", plain, "--forwarded-allow-ips", "127.0.0.1 ::1", ready=[plain])
    start("--http", with_unix, "--http", f"127.0.0.1:{port}", "--forwarded-allow-ips", "unix",
          ready=[with_unix, ("127.0.0.1", port)])
    env = env_of(http_get(plain, headers=SPOOF))
    assert (env["wsgi.url_scheme"], env["REMOTE_ADDR"]) == ("http", "")
    env = env_of(http_get(with_unix, headers=SPOOF))
    assert (env["wsgi.url_scheme"], env["REMOTE_ADDR"], env["appserver.proxy_addr"]) == ("https", "203.0.113.66", "")
    env = env_of(http_get(("127.0.0.1", port), headers=SPOOF))  # `unix` trusts no TCP peer
    assert (env["wsgi.url_scheme"], env["REMOTE_ADDR"]) == ("http", "127.0.0.1")


def test_uwsgi_protocol_checks_the_client_the_front_end_names(start, sock_dir):
    port = free_port()
    unix = os.path.join(sock_dir, "uwsgi.sock")
    start("--socket", f"127.0.0.1:{port}", "--socket", unix, "--forwarded-allow-ips", "10.0.0.0/8",
          ready=[("127.0.0.1", port), unix])
    address = ("127.0.0.1", port)
    # nginx behind a TLS load balancer (10.1.2.3): nginx's own scheme is http, the balancer's is https.
    lb = {"REMOTE_ADDR": "10.1.2.3", "REQUEST_SCHEME": "http", "HTTP_X_FORWARDED_PROTO": "https",
          "HTTP_X_FORWARDED_FOR": "203.0.113.7"}
    for where in (address, unix):
        env = env_of(uwsgi_request(where, extra=lb))
        assert env["wsgi.url_scheme"] == "https"
        assert (env["REMOTE_ADDR"], env["appserver.proxy_addr"]) == ("203.0.113.7", "10.1.2.3")
    assert uwsgi_request(address, uri="/uri", extra=lb).body == b"https://test/uri"
    # UWSGI_SCHEME, set in nginx by the operator, still wins.
    env = env_of(uwsgi_request(address, extra={**lb, "UWSGI_SCHEME": "http"}))
    assert env["wsgi.url_scheme"] == "http"
    # A client that is not the balancer: nothing changes.
    env = env_of(uwsgi_request(address, extra={**lb, "REMOTE_ADDR": "198.51.100.9"}))
    assert (env["wsgi.url_scheme"], env["REMOTE_ADDR"], env["appserver.proxy_addr"]) == ("http", "198.51.100.9", None)


def test_a_bad_list_entry_stops_the_start_naming_the_key(tmp_path):
    from harness import run_cli
    result = run_cli(["--http", "127.0.0.1:0", "--wsgi-file", APP, "--forwarded-allow-ips", "127.0.0.1 localhost",
                      "--check-config"], cwd=tmp_path)
    assert result.returncode == 1
    assert 'forwarded-allow-ips: "localhost" is not an IP address' in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


# The http block after nginx.HEAD.
NGINX_HTTP = """\
    server {{
        listen 127.0.0.1:{port};
        # docs/deployment.md's snippets; TLS is simulated (nginx listens in plain text here).
        location /proxy/ {{
            proxy_pass http://{http_upstream};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto https;
        }}
        location /uwsgi/ {{
            include {uwsgi_params};
            uwsgi_param HTTPS on;
            uwsgi_pass 127.0.0.1:{uwsgi_port};
        }}
    }}
}}
"""


@pytest.mark.skipif(not os.path.exists(NGINX), reason=f"{NGINX} is absent")
@pytest.mark.parametrize("transport", ["tcp", "unix"])
def test_behind_a_real_nginx_a_spoofing_client_is_the_client(start, tmp_path, sock_dir, transport):
    http_port, uwsgi_port = free_port(), free_port()
    if transport == "tcp":  # docs/deployment.md: an nginx on the same host, over TCP or a unix socket
        http_listen = http_upstream = f"127.0.0.1:{http_port}"
        ready, trust = ("127.0.0.1", http_port), "127.0.0.1 ::1"
    else:
        ready = http_listen = os.path.join(sock_dir, "http.sock")
        http_upstream, trust = f"unix:{http_listen}", "unix"
    start("--http", http_listen, "--socket", f"127.0.0.1:{uwsgi_port}", "--forwarded-allow-ips", trust,
          ready=[ready, ("127.0.0.1", uwsgi_port)])
    front = Nginx(tmp_path, http=NGINX_HTTP, http_upstream=http_upstream, uwsgi_port=uwsgi_port).start()
    try:
        lies = [("X-Forwarded-For", "203.0.113.66"), ("X-Forwarded-Proto", "http")]
        for prefix in ("/proxy/", "/uwsgi/"):
            env = env_of(http_get(("127.0.0.1", front.port), prefix, lies, source=STRANGER))
            assert (env["wsgi.url_scheme"], env["REMOTE_ADDR"]) == ("https", STRANGER), prefix
            uri = http_get(("127.0.0.1", front.port), prefix + "uri", lies, source=STRANGER).body
            assert uri == f"https://app.example{prefix}uri".encode()
    finally:
        front.stop()
