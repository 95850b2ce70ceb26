"""Hostile request heads on a real socket, sent whole and split in two TCP segments (TCP_NODELAY,
a short pause between them) at several places: the application sees the same environ, or the
client the same refusal, whatever the split (issue 8, items 7-13). The pure-code twin, every
split point of each case, is tests/unit/proto/http_split_test.cpp."""
import json
import socket
import time

import pytest

from harness import APPS, Server, free_port
from rawhttp import RawConnection

PAUSE = 0.05  # between the two segments: long enough for the server to read them separately
CHUNKED = b"POST /up HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
ABSENT = object()

# (id, request, marks, expected). expected: a status for a refusal, or {environ key: value} for
# what echo.py must report (ABSENT: the key is not there). marks: the segments are also cut just
# before and just after each of these byte strings (where a split used to change the outcome).
CASES = [
    # 7. Trailers never reach the environ; the ones that would change the request are refused.
    ("trailer_dropped", CHUNKED + b"3\r\nabc\r\n0\r\nX-Checksum: 1\r\nHost: evil\r\n\r\n", [b"0\r\n"], 400),
    ("trailer_benign", CHUNKED + b"3\r\nabc\r\n0\r\nX-Checksum: 1\r\n\r\n", [b"0\r\n", b"X-Checksum"],
     {"HTTP_X_CHECKSUM": ABSENT, "HTTP_HOST": "example.com", "body": "abc"}),
    ("trailer_content_length", CHUNKED + b"3\r\nabc\r\n0\r\nContent-Length: 99\r\n\r\n", [b"Content-Length: 99"], 400),
    ("trailer_content_type", CHUNKED + b"0\r\nContent-Type: text/evil\r\n\r\n", [b"Content-Type"], 400),
    # 8. Host and Content-Type once; Content-Length once.
    ("duplicate_host", b"GET / HTTP/1.1\r\nHost: example.com\r\nHost: evil.example.com\r\n\r\n", [b"Host: evil"], 400),
    ("duplicate_content_type",
     b"POST / HTTP/1.1\r\nHost: h\r\nContent-Type: a/b\r\nContent-Type: c/d\r\nContent-Length: 0\r\n\r\n",
     [b"Content-Type: c"], 400),
    ("duplicate_content_length_equal", b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na",
     [], 400),
    ("gzip_then_chunked", b"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
     b"0\r\n\r\n", [], 400),
    # 9. HTTP/1.0 with Transfer-Encoding.
    ("http10_chunked", b"POST / HTTP/1.0\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
     [], 400),
    # 10. Obs-fold, cut at the fold.
    ("obs_fold", b"GET / HTTP/1.1\r\nHost: h\r\nX-A: one\r\n two\r\n\r\n", [b"\r\n two", b" two"], 400),
    ("obs_fold_empty_value", b"GET / HTTP/1.1\r\nHost: h\r\nX-A:\r\n\ttwo\r\n\r\n", [b"\r\n\ttwo", b"\ttwo"], 400),
    # 11. Request targets.
    ("absolute_upper_case", b"GET HTTP://HOST.example/x?q=1 HTTP/1.1\r\nHost: other.example\r\n\r\n", [b"/x"],
     {"PATH_INFO": "/x", "QUERY_STRING": "q=1", "REQUEST_URI": "/x?q=1", "HTTP_HOST": "HOST.example",
      "SERVER_NAME": "HOST.example"}),
    ("absolute_no_path", b"GET https://h.example:8443 HTTP/1.1\r\n\r\n", [],
     {"PATH_INFO": "/", "REQUEST_URI": "/", "HTTP_HOST": "h.example:8443", "SERVER_NAME": "h.example"}),
    ("scheme_ftp", b"GET ftp://x/y HTTP/1.1\r\nHost: h\r\n\r\n", [b"://"], 400),
    ("authority_garbage", b"GET http://a%zz/y HTTP/1.1\r\nHost: h\r\n\r\n", [], 400),
    ("authority_userinfo", b"GET http://me@h/y HTTP/1.1\r\nHost: h\r\n\r\n", [], 400),
    ("asterisk_get", b"GET * HTTP/1.1\r\nHost: h\r\n\r\n", [], 400),
    ("tab_in_target", b"GET /a\tb HTTP/1.1\r\nHost: h\r\n\r\n", [b"\t"], 400),
    ("asterisk_options", b"OPTIONS * HTTP/1.1\r\nHost: h.example\r\n\r\n", [b"*"],
     {"PATH_INFO": "", "REQUEST_URI": "*", "REQUEST_METHOD": "OPTIONS", "HTTP_HOST": "h.example"}),
    ("host_with_path", b"GET / HTTP/1.1\r\nHost: evil.example/x\r\n\r\n", [], 400),
    # 12. Whitespace around values; chunk extensions (with spaces: a deliberate 400, docs/security.md).
    ("trailing_whitespace", b"GET / HTTP/1.1\r\nHost: example.com \t\r\nX-A: v \r\n\r\n", [b" \t\r\n"],
     {"HTTP_HOST": "example.com", "SERVER_NAME": "example.com", "HTTP_X_A": "v"}),
    ("chunk_extension", CHUNKED + b"3;name=value\r\nabc\r\n0\r\n\r\n", [b";"], {"body": "abc"}),
    ("chunk_extension_spaces", CHUNKED + b"3; name=value\r\nabc\r\n0\r\n\r\n", [b"; "], 400),
]


@pytest.fixture(scope="module")
def echo(tmp_path_factory):
    port = free_port()
    server = Server(["--http", f"127.0.0.1:{port}", "--wsgi-file", str(APPS / "echo.py"), "--processes", "2"],
                    tmp_path_factory.mktemp("parsing"), port=port)
    server.start()
    yield server
    server.stop()


def cuts(data, marks):
    """Where to split: a few fixed places plus just before and after each mark."""
    points = {len(data) // 3, len(data) // 2, len(data) - 1}
    for mark in marks:
        at = data.index(mark)
        points.update({at, at + len(mark)})
    return sorted(p for p in points if 0 < p < len(data))


def exchange(port, segments):
    """Sends the segments as separate TCP segments; returns (response, connection)."""
    conn = RawConnection(port, timeout=10)
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for i, segment in enumerate(segments):
        if i:
            time.sleep(PAUSE)
        try:
            conn.send(segment)
        except (BrokenPipeError, ConnectionResetError):
            break  # refused before the rest arrived: the answer is already on its way
    return conn.read_response(), conn


def check(response, conn, expected, how):
    if isinstance(expected, int):
        assert response.status == expected, f"{how}: {response.status_line} {response.body[:300]!r}"
        # Also when the refusal comes from the app's failed body read (split inside a chunked body):
        # the response says it is the connection's last.
        assert response.header("connection") == "close", how
        assert conn.closed_by_peer(), how
        return
    assert response.status == 200, f"{how}: {response.status_line} {response.body[:300]!r}"
    seen = json.loads(response.body)
    for key, value in expected.items():
        if value is ABSENT:
            assert key not in seen, f"{how}: {key}={seen.get(key)!r}"
        else:
            assert seen.get(key) == value, f"{how}: {key}={seen.get(key)!r}"
    # Framing intact: the connection serves the next request as itself.
    conn.send(b"GET /next HTTP/1.1\r\nHost: h\r\n\r\n")
    assert json.loads(conn.read_response().body)["PATH_INFO"] == "/next", how


@pytest.mark.parametrize("name,data,marks,expected", CASES, ids=[c[0] for c in CASES])
def test_same_outcome_whole_and_split(echo, name, data, marks, expected):
    response, conn = exchange(echo.port, [data])
    check(response, conn, expected, "whole")
    conn.close()
    for cut in cuts(data, marks):
        response, conn = exchange(echo.port, [data[:cut], data[cut:]])
        check(response, conn, expected, f"split at {cut} ({data[:cut][-12:]!r} | {data[cut:][:12]!r})")
        conn.close()


def test_forbidden_trailer_after_the_app_started_never_reaches_it(echo):
    """The head and body arrive first, the app starts reading; a Host trailer arrives later: the
    body read fails and the environ the app already has is untouched (nothing echoes "evil")."""
    head_and_body = CHUNKED + b"3\r\nabc\r\n"
    response, conn = exchange(echo.port, [head_and_body, b"0\r\nHost: evil.example\r\n\r\n"])
    assert response.status == 400, response.status_line
    assert b"evil" not in response.body
    assert conn.closed_by_peer()
    conn.close()


@pytest.fixture(scope="module")
def responder(tmp_path_factory):
    port = free_port()
    server = Server(["--http", f"127.0.0.1:{port}", "--wsgi-file", str(APPS / "parsing_response.py")],
                    tmp_path_factory.mktemp("responder"), port=port)
    server.start()
    yield server
    server.stop()


def first_status_line(conn):
    while b"\r\n" not in conn.buf:
        conn._fill()
    return conn.buf.split(b"\r\n", 1)[0]


@pytest.mark.parametrize("status", ["100%20Continue", "101%20Switching%20Protocols", "103%20Early%20Hints"])
def test_interim_status_from_the_app_is_a_500_and_the_next_response_is_its_own(responder, status):
    conn = RawConnection(responder.port, timeout=10)
    conn.send(f"GET /?status={status} HTTP/1.1\r\nHost: h\r\n\r\n".encode())
    assert first_status_line(conn).startswith(b"HTTP/1.1 500"), conn.buf[:200]
    conn.read_response()
    conn.send(b"GET /?second HTTP/1.1\r\nHost: h\r\n\r\n")
    second = conn.read_response()
    assert second.status == 200 and second.body == b"body of second"
    conn.close()


@pytest.mark.parametrize("value", ["a%01b", "a%0Bb", "a%7F", "a%00b", "a%1Bb", "a%0Db", "a%0Ab"])
def test_control_character_in_a_response_header_is_a_500(responder, value):
    conn = RawConnection(responder.port, timeout=10)
    conn.send(f"GET /?value={value} HTTP/1.1\r\nHost: h\r\n\r\n".encode())
    response = conn.read_response()
    assert response.status == 500, response.raw_headers
    assert response.header("x-value") is None
    conn.close()


def test_tab_and_obs_text_in_a_response_header_are_sent(responder):
    conn = RawConnection(responder.port, timeout=10)
    conn.send(b"GET /?value=a%09b%20c HTTP/1.1\r\nHost: h\r\n\r\n")
    response = conn.read_response()
    assert response.status == 200 and response.header("x-value") == "a\tb c"
    conn.close()


def test_a_request_split_at_every_byte_of_its_request_line_is_served(echo):
    """The worker keeps no parser for an idle connection; one whose first segment ends inside the
    method ("GE" | "T / ...") or right after it is not idle, and must not lose those bytes."""
    data = b"POST /p?q=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nok"
    for cut in range(1, data.index(b"\r\n") + 2):
        response, conn = exchange(echo.port, [data[:cut], data[cut:]])
        check(response, conn, {"PATH_INFO": "/p", "QUERY_STRING": "q=1", "body": "ok"},
              f"split at {cut} ({data[:cut]!r})")
        conn.close()
