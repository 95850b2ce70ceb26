"""add-header / del-header (uWSGI's keys, issue 13): headers added to every response the server writes,
the application's, static files' and the server's own errors, and application headers dropped."""
import pytest

from harness import run_cli
from rawhttp import RawConnection


def fetch(server, raw):
    conn = RawConnection(server.port)
    try:
        conn.send(raw)
        return conn.read_response()
    finally:
        conn.close()


def get(server, path):
    return fetch(server, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())


@pytest.fixture
def site(tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.txt").write_text("static text\n")
    return tmp_path


def start(serve, site):
    return serve("static_app.py", "--static-map", "/static=static",
                 "--add-header", "X-Frame-Options: DENY", "--add-header", "Strict-Transport-Security:  max-age=60 ",
                 "--del-header", "x-powered-by", cwd=site)


def test_added_to_app_static_and_server_answers(serve, site):
    s = start(serve, site)
    answers = {
        "app": get(s, "/hello"),
        "static": get(s, "/static/a.txt"),
        "400": fetch(s, b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"),
        "431": fetch(s, b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 + b"\r\n\r\n"),
    }
    assert answers["app"].status == 200 and answers["static"].body == b"static text\n"
    assert answers["400"].status == 400 and answers["431"].status == 431
    for name, r in answers.items():
        assert r.header("x-frame-options") == "DENY", (name, r.headers)
        assert r.header("strict-transport-security") == "max-age=60", (name, r.headers)


def test_app_headers_are_dropped_by_name(serve, site):
    s = start(serve, site)
    r = get(s, "/powered")
    assert r.status == 200
    assert r.header("x-powered-by") is None
    assert r.header("x-kept") == "yes"


@pytest.mark.parametrize("bad", ["no-colon", "Bad Name: x", ": empty name"])
def test_a_bad_header_line_is_refused_at_start(tmp_path, bad):
    (tmp_path / "x.py").write_text("def application(e, s):\n    return []\n")
    result = run_cli(["--http", "127.0.0.1:0", "--wsgi-file", "x.py", "--add-header", bad], cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "add-header" in lines[0] and bad in lines[0], result.stderr


def test_connection_close_makes_every_response_the_last(serve, site):
    """keystone's and searxng's ini files say `add-header = Connection: close`: each response then ends
    its connection (once, in the server's own Connection header), not a keep-alive with a contradiction."""
    s = serve("static_app.py", "--add-header", "Connection: close", "--add-header", "Content-Length: 999",
              cwd=site)
    conn = RawConnection(s.port)
    try:
        conn.send(b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n")
        r = conn.read_response()
        assert r.status == 200 and r.body == b"app GET /a"
        assert r.header("connection") == "close"
        assert [n.lower() for n, _ in r.raw_headers].count("connection") == 1
        assert r.header("content-length") == "10"
        assert conn.read_until_close() == b""  # the second request is not answered: the connection ended
    finally:
        conn.close()
