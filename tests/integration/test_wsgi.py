"""PEP 3333 as the application sees it: environ, wsgi.input, start_response, write, file_wrapper, close()."""
import json
import os
import socket
import time

import requests

from harness import wait_until
from rawhttp import RawConnection, request


def get(server, path, **kw):
    return requests.get(server.url(path), timeout=10, **kw)


def test_environ_has_every_pep3333_key(serve):
    s = serve("echo.py", "--processes", "2")
    r = requests.post(s.url("/caf%C3%A9/x?q=1&r=%2F"), data=b"abc",
                      headers={"Content-Type": "text/plain", "X-Custom": "v"}, timeout=10)
    e = r.json()
    assert e["REQUEST_METHOD"] == "POST"
    assert e["SCRIPT_NAME"] == ""
    assert e["PATH_INFO"] == "/caf\u00c3\u00a9/x"  # decoded bytes, as latin-1 str (PEP 3333)
    assert e["QUERY_STRING"] == "q=1&r=%2F"
    assert e["REQUEST_URI"] == "/caf%C3%A9/x?q=1&r=%2F"
    assert e["CONTENT_TYPE"] == "text/plain"
    assert e["CONTENT_LENGTH"] == "3"
    assert e["SERVER_NAME"] == "127.0.0.1"
    assert e["SERVER_PORT"] == str(s.port)
    assert e["SERVER_PROTOCOL"] == "HTTP/1.1"
    assert e["REMOTE_ADDR"] == "127.0.0.1"
    assert int(e["REMOTE_PORT"]) > 0
    assert e["HTTP_X_CUSTOM"] == "v"
    assert e["wsgi.version"] == [1, 0]
    assert e["wsgi.url_scheme"] == "http"
    assert e["wsgi.multithread"] is False
    assert e["wsgi.multiprocess"] is True
    assert e["wsgi.run_once"] is False
    assert e["wsgi.input_terminated"] is True
    assert e["body"] == "abc"


def test_repeated_headers_are_joined(serve):
    s = serve("echo.py")
    r = request(s.port, b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nX-A: 2\r\n\r\n")
    assert json.loads(r.body)["HTTP_X_A"] == "1, 2"


def test_write_callable(serve):
    s = serve("routes.py")
    assert get(s, "/write").content == b"written returned"


def test_input_readline_readlines_and_iteration(serve):
    s = serve("routes.py")
    r = requests.post(s.url("/readline"), data=b"line one\nline two\nthree\nfour", timeout=10)
    assert r.text == repr([b"line one\n", b"lin", b"e two\n", b"three\n", b"four"])
    r = requests.post(s.url("/iterate-input"), data=b"a\nb\nc\n", timeout=10)
    assert r.text == "3"


def test_input_streams_large_body_in_small_reads(serve):
    s = serve("routes.py")
    body = os.urandom(3 * 1024 * 1024)
    r = requests.post(s.url("/read-chunks?7777"), data=body, timeout=30)
    assert r.text == str(len(body))

    def chunks():
        for i in range(0, len(body), 100000):
            yield body[i:i + 100000]
    r = requests.post(s.url("/read-chunks?4096"), data=chunks(), timeout=30)  # chunked upload
    assert r.text == str(len(body))


def test_file_wrapper_sends_real_file(serve):
    s = serve("routes.py")
    r = get(s, "/file")
    assert r.content == b"0123456789" * 100000
    assert r.headers["Content-Type"] == "application/octet-stream"


def test_file_wrapper_with_file_like_object(serve):
    s = serve("routes.py")
    assert get(s, "/filelike").content == b"from a BytesIO"


def test_exc_info_replaces_unsent_headers(serve):
    s = serve("routes.py")
    r = get(s, "/exc-info")
    assert r.status_code == 503 and r.text == "replaced status"


def test_app_exception_gives_500_logs_traceback_and_worker_lives(serve):
    s = serve("routes.py")
    pid_before = get(s, "/pid").text
    r = get(s, "/error")
    assert r.status_code == 500
    assert wait_until(lambda: "ValueError: boom in the app" in s.log())
    assert "Traceback" in s.log()
    assert get(s, "/pid").text == pid_before


def test_invalid_header_from_app_is_500(serve):
    s = serve("routes.py")
    assert get(s, "/bad-header").status_code == 500
    assert get(s, "/str-body").status_code == 500
    assert get(s, "/pid").status_code == 200


def test_error_after_headers_closes_connection_and_calls_close(serve, tmp_path):
    log = tmp_path / "close.log"
    s = serve("routes.py", env={"CLOSE_LOG": str(log)})
    conn = RawConnection(s.port)
    conn.send(b"GET /error-after-start HTTP/1.1\r\nHost: x\r\n\r\n")
    data = conn.read_until_close()
    assert data.startswith(b"HTTP/1.1 200 OK")
    assert not data.endswith(b"0\r\n\r\n")  # never a clean end: the client knows it is cut short
    assert wait_until(lambda: log.exists() and "error-after-start" in log.read_text())


def test_close_called_on_success_and_on_disconnect(serve, tmp_path):
    log = tmp_path / "close.log"
    s = serve("routes.py", env={"CLOSE_LOG": str(log)})
    assert get(s, "/closing?ok").text == "abc"
    sock = socket.create_connection(("127.0.0.1", s.port))
    sock.sendall(b"GET /slow-closing?gone HTTP/1.1\r\nHost: x\r\n\r\n")
    sock.recv(1000)
    sock.close()  # the client leaves in the middle of a 13 MB response
    assert wait_until(lambda: log.exists() and {"ok", "gone"} <= set(log.read_text().split()))
    assert get(s, "/pid").status_code == 200


def test_empty_body_gets_content_length_zero(serve):
    s = serve("routes.py")
    r = request(s.port, b"GET /empty HTTP/1.1\r\nHost: x\r\n\r\n")
    assert r.status == 200 and r.header("content-length") == "0" and r.body == b""


def test_access_log_line_and_disable_logging(serve):
    s = serve("routes.py")
    get(s, "/pid?x=1")
    assert wait_until(lambda: '"GET /pid?x=1 HTTP/1.1" 200' in s.log())
    quiet = serve("routes.py", "--disable-logging")
    get(quiet, "/pid?y=2")
    time.sleep(0.3)
    assert "/pid?y=2" not in quiet.log()
