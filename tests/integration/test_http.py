"""HTTP/1.1 and 1.0 as a client sees it: framing, keep-alive, pipelining, bodies, HEAD, Date."""
import hashlib
import http.client
import json
import os

from harness import ROOT
from rawhttp import RawConnection, request


def test_seed_app_bare_bytes_is_one_body(serve):
    s = serve(None, "--wsgi-file", str(ROOT / "examples" / "haha.py"))
    resp = request(s.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert resp.status == 200
    assert resp.body == b"Hello World"
    assert resp.header("content-length") == "11"
    assert resp.header("content-type") == "text/html"
    assert resp.header("date")


def test_keep_alive_serves_many_requests_on_one_connection(serve):
    s = serve("routes.py")
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    for _ in range(20):
        conn.request("GET", "/pid")
        r = conn.getresponse()
        assert r.status == 200
        r.read()
    assert conn.sock is not None  # never closed by the server
    conn.close()


def test_pipelined_requests_answered_in_order(serve):
    s = serve("echo.py")
    conn = RawConnection(s.port)
    conn.send(b"".join(f"GET /n{i} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for i in range(10)))
    for i in range(10):
        r = conn.read_response()
        assert r.status == 200
        assert json.loads(r.body)["PATH_INFO"] == f"/n{i}"
    conn.close()


def test_pipelined_bodies_read_in_pieces_arrive_whole_and_in_order(serve):
    """Content-Length bodies go from the socket straight into the application's buffer: each
    one must end at its own length, leaving the pipelined requests after it to the parser."""
    s = serve("routes.py")
    bodies = [os.urandom(300_000), os.urandom(70_001), b""]
    wire = b"".join(b"POST /digest-chunks?%d HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s"
                    % (size, len(body), body) for size, body in zip((65536, 4096, 10), bodies))
    conn = RawConnection(s.port)
    # The whole pipeline in uneven pieces, so reads end anywhere: in a head, a body, between requests.
    pieces = [wire[i:i + 7919] for i in range(0, len(wire), 7919)] + [b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n"]
    for piece in pieces:
        conn.send(piece)
    for body in bodies:
        r = conn.read_response()
        assert r.status == 200
        assert r.body.decode() == f"{len(body)} {hashlib.sha256(body).hexdigest()}"
    r = conn.read_response()
    assert r.status == 200 and r.body.isdigit()
    conn.close()


def test_connection_close_is_honoured(serve):
    s = serve("echo.py")
    conn = RawConnection(s.port)
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    r = conn.read_response()
    assert r.status == 200
    assert r.header("connection") == "close"
    assert conn.closed_by_peer()


def test_http10_closes_by_default_and_keeps_alive_when_asked(serve):
    s = serve("routes.py")
    conn = RawConnection(s.port)
    conn.send(b"GET /stream HTTP/1.0\r\n\r\n")
    r = conn.read_response()
    assert r.status_line.startswith("HTTP/1.0 200")
    assert r.body == b"".join(f"part {i}\n".encode() for i in range(5))
    conn = RawConnection(s.port)
    conn.send(b"GET /pid HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    r = conn.read_response()
    assert r.header("connection") == "keep-alive"
    conn.send(b"GET /pid HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    assert conn.read_response().status == 200


def test_streamed_response_is_chunked_on_http11(serve):
    s = serve("routes.py")
    r = request(s.port, b"GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    assert r.header("transfer-encoding") == "chunked"
    assert r.body == b"".join(f"part {i}\n".encode() for i in range(5))


def test_app_content_length_frames_a_stream(serve):
    s = serve("routes.py")
    r = request(s.port, b"GET /content-length HTTP/1.1\r\nHost: x\r\n\r\n")
    assert r.header("content-length") == "5"
    assert "transfer-encoding" not in r.headers
    assert r.body == b"abcde"


def test_content_length_body(serve):
    s = serve("echo.py")
    body = b"x" * 100000
    r = request(s.port, b"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    seen = json.loads(r.body)
    assert seen["body_length"] == 100000
    assert seen["CONTENT_LENGTH"] == "100000"


def test_chunked_request_body(serve):
    s = serve("echo.py")
    r = request(s.port, b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
    seen = json.loads(r.body)
    assert seen["body"] == "hello world"
    assert seen["wsgi.input_terminated"] is True


def test_expect_100_continue(serve):
    s = serve("echo.py")
    conn = RawConnection(s.port)
    conn.send(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
    line = b""
    while b"\r\n\r\n" not in line:
        line += conn.sock.recv(100)
    assert line.startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
    conn.buf = line[len(b"HTTP/1.1 100 Continue\r\n\r\n"):]
    conn.send(b"data")
    r = conn.read_response()
    assert json.loads(r.body)["body"] == "data"


def test_an_answer_before_100_continue_says_the_connection_closes(serve):
    """The client waits for 100 Continue; the app answers without reading the body. No body is
    coming, so the server closes after the response: the head must say Connection: close
    (RFC 9110 10.1.1), or a keep-alive client reuses a connection that is going away."""
    s = serve("routes.py")
    conn = RawConnection(s.port, timeout=5)
    conn.send(b"POST /pid HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n")
    r = conn.read_response()
    assert r.status == 200 and r.body.isdigit()
    assert r.header("connection") == "close", r.headers
    assert conn.sock.recv(100) == b""  # and it does close


def test_head_has_headers_and_no_body(serve):
    s = serve("routes.py")
    conn = RawConnection(s.port)
    conn.send(b"HEAD /stream HTTP/1.1\r\nHost: x\r\n\r\n")
    r = conn.read_response(head_request=True)
    assert r.status == 200
    conn.send(b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n")  # the connection is still in step
    r2 = conn.read_response()
    assert r2.status == 200 and r2.body.isdigit()


def test_unread_body_is_skipped_before_next_request(serve):
    s = serve("routes.py")
    conn = RawConnection(s.port)
    conn.send(b"POST /ignore-body HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789"
              b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.read_response().body == b"did not read"
    assert conn.read_response().body.isdigit()


def test_no_content_status_has_no_body(serve):
    s = serve("routes.py")
    conn = RawConnection(s.port)
    conn.send(b"GET /status HTTP/1.1\r\nHost: x\r\n\r\n")
    r = conn.read_response()
    assert r.status == 204
    assert "content-length" not in r.headers and "transfer-encoding" not in r.headers


def test_bad_request_gets_400_and_worker_lives(serve):
    s = serve("routes.py")
    r = request(s.port, b"GARBAGE\r\n\r\n")
    assert r.status == 400
    r = request(s.port, b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n")
    assert r.status == 200


def test_oversized_head_gets_431(serve):
    s = serve("routes.py", "--buffer-size", "2048")
    r = request(s.port, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 4000 + b"\r\n\r\n")
    assert r.status == 431
