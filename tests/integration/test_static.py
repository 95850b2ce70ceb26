"""Static files (issue 10): static-map and its keys with uWSGI's meaning, answered by the worker
without the application, over HTTP and the uwsgi protocol. The safety rules are in
tests/chaos/test_static_safety.py."""
import gzip
import os
import time
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

import pytest

import uwsgi_client
from harness import free_port, run_cli, wait_entered, wait_until
from rawhttp import RawConnection

CSS = b"body { color: #123456; }\n" * 40  # 1000 bytes


@pytest.fixture
def site(tmp_path):
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "base.css").write_bytes(CSS)
    (static / "css" / "gz.css").write_bytes(CSS)
    (static / "css" / "gz.css.gz").write_bytes(gzip.compress(CSS))
    (static / "js").mkdir()
    (static / "js" / "app.js").write_text("console.log(1);\n")
    (static / "docs").mkdir()
    (static / "docs" / "index.html").write_text("<h1>docs</h1>\n")
    (static / "empty").mkdir()
    (static / "settings.py").write_text("SECRET_KEY = 'x'\n")
    (static / "data.bin").write_bytes(bytes(range(256)))
    (static / "README").write_text("no extension\n")
    return tmp_path


def app_calls(site):
    try:
        return (Path(site) / "app-calls.log").read_text().splitlines()
    except OSError:
        return []


def fetch(server, path, headers=None, method="GET"):
    conn = RawConnection(server.port)
    try:
        head = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        conn.send(f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{head}\r\n".encode("latin-1"))
        return conn.read_response(head_request=method == "HEAD")
    finally:
        conn.close()


def start(serve, site, *extra):
    return serve("static_app.py", "--static-map", "/static=static", *extra, cwd=site)


def test_a_mapped_file_is_served_without_the_app(serve, site):
    server = start(serve, site)
    r = fetch(server, "/static/css/base.css")
    assert r.status == 200
    assert r.body == CSS
    assert r.header("content-type") == "text/css; charset=utf-8"
    assert r.header("content-length") == str(len(CSS))
    mtime = os.stat(site / "static" / "css" / "base.css").st_mtime
    assert parsedate_to_datetime(r.header("last-modified")).timestamp() == int(mtime)
    assert r.header("etag") == f'"{int(mtime):x}-{len(CSS):x}"'
    assert r.header("accept-ranges") == "bytes"
    assert app_calls(site) == []
    assert fetch(server, "/static/js/app.js").header("content-type") == "text/javascript; charset=utf-8"
    assert fetch(server, "/static/README").header("content-type") == "application/octet-stream"
    assert fetch(server, "/static/data.bin").body == bytes(range(256))
    assert app_calls(site) == []


def test_what_is_not_a_file_goes_to_the_app(serve, site):
    server = start(serve, site)
    assert fetch(server, "/static/missing.css").body == b"app GET /static/missing.css"
    assert fetch(server, "/static/docs/").body == b"app GET /static/docs/"  # no static-index
    assert fetch(server, "/static").body == b"app GET /static"
    assert fetch(server, "/staticx/css/base.css").body == b"app GET /staticx/css/base.css"
    # Methods other than GET and HEAD always go to the app.
    assert fetch(server, "/static/css/base.css", method="POST", headers={"Content-Length": "0"}).body == \
        b"app POST /static/css/base.css"
    assert fetch(server, "/static/css/base.css", method="DELETE").body == b"app DELETE /static/css/base.css"
    assert app_calls(site) == ["GET /static/missing.css", "GET /static/docs/", "GET /static", "GET /staticx/css/base.css",
                               "POST /static/css/base.css", "DELETE /static/css/base.css"]


def test_static_index_and_skip_ext(serve, site):
    server = start(serve, site, "--static-index", "index.htm", "--static-index", "index.html",
                   "--static-skip-ext", ".py")
    r = fetch(server, "/static/docs/")
    assert (r.status, r.body) == (200, b"<h1>docs</h1>\n")
    assert r.header("content-type") == "text/html; charset=utf-8"
    assert fetch(server, "/static/docs").body == b"<h1>docs</h1>\n"
    assert fetch(server, "/static/empty/").body == b"app GET /static/empty/"
    assert fetch(server, "/static/settings.py").body == b"app GET /static/settings.py"


def test_head_gives_the_headers_only(serve, site):
    server = start(serve, site)
    conn = RawConnection(server.port)
    conn.send(b"HEAD /static/css/base.css HTTP/1.1\r\nHost: x\r\n\r\nGET /static/js/app.js HTTP/1.1\r\nHost: x\r\n\r\n")
    head = conn.read_response(head_request=True)
    assert head.status == 200 and head.header("content-length") == str(len(CSS)) and head.body == b""
    # The next response follows at once: no body bytes were sent for the HEAD.
    assert conn.read_response().body == b"console.log(1);\n"
    conn.close()


def test_conditional_requests(serve, site):
    server = start(serve, site)
    first = fetch(server, "/static/css/base.css")
    etag, last_modified = first.header("etag"), first.header("last-modified")
    r = fetch(server, "/static/css/base.css", {"If-None-Match": etag})
    assert (r.status, r.body, r.header("etag")) == (304, b"", etag)
    assert fetch(server, "/static/css/base.css", {"If-None-Match": '"other"'}).status == 200
    assert fetch(server, "/static/css/base.css", {"If-Modified-Since": last_modified}).status == 304
    mtime = os.stat(site / "static" / "css" / "base.css").st_mtime
    older = formatdate(mtime - 10, usegmt=True)
    assert fetch(server, "/static/css/base.css", {"If-Modified-Since": older}).status == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    assert fetch(server, "/static/css/base.css", {"If-None-Match": '"x"', "If-Modified-Since": last_modified}).status == 200


def test_ranges(serve, site):
    server = start(serve, site)
    r = fetch(server, "/static/css/base.css", {"Range": "bytes=10-19"})
    assert (r.status, r.body) == (206, CSS[10:20])
    assert r.header("content-range") == f"bytes 10-19/{len(CSS)}"
    assert fetch(server, "/static/css/base.css", {"Range": "bytes=-5"}).body == CSS[-5:]
    r = fetch(server, "/static/css/base.css", {"Range": "bytes=5000-"})
    assert r.status == 416 and r.header("content-range") == f"bytes */{len(CSS)}"
    r = fetch(server, "/static/css/base.css", {"Range": "bytes=0-1,5-6"})
    assert (r.status, r.body) == (200, CSS)
    r = fetch(server, "/static/css/base.css", {"Range": "bytes=0-1", "If-Range": '"stale"'})
    assert (r.status, r.body) == (200, CSS)


def test_honour_range_false_sends_the_whole_file(serve, site):
    server = start(serve, site, "--honour-range=false")
    r = fetch(server, "/static/css/base.css", {"Range": "bytes=10-19"})
    assert (r.status, r.body, r.header("accept-ranges")) == (200, CSS, None)


def test_gzip_variant_and_vary(serve, site):
    server = start(serve, site, "--static-gzip-ext", ".css")
    r = fetch(server, "/static/css/gz.css", {"Accept-Encoding": "gzip, deflate"})
    assert r.header("content-encoding") == "gzip"
    assert r.header("content-type") == "text/css; charset=utf-8"
    assert r.header("vary") == "Accept-Encoding"
    assert gzip.decompress(r.body) == CSS
    plain = fetch(server, "/static/css/gz.css")
    assert (plain.body, plain.header("content-encoding"), plain.header("vary")) == (CSS, None, "Accept-Encoding")
    refused = fetch(server, "/static/css/gz.css", {"Accept-Encoding": "gzip;q=0"})
    assert refused.body == CSS
    # No FILE.gz: the file itself.
    assert fetch(server, "/static/css/base.css", {"Accept-Encoding": "gzip"}).body == CSS
    # static-gzip-all / static-gzip-dir cover it the same way.
    other = start(serve, site, "--static-gzip-dir", "static/css/")
    assert fetch(other, "/static/css/gz.css", {"Accept-Encoding": "gzip"}).header("content-encoding") == "gzip"


def test_expires(serve, site):
    server = start(serve, site, "--static-expires-type", "text/css=3600", "--static-expires-uri", r"\.js$ 60")
    r = fetch(server, "/static/css/base.css")
    assert r.header("cache-control") == "max-age=3600"
    expires = parsedate_to_datetime(r.header("expires")).timestamp()
    assert abs(expires - (time.time() + 3600)) < 60
    assert fetch(server, "/static/js/app.js").header("cache-control") == "max-age=60"
    assert fetch(server, "/static/data.bin").header("cache-control") is None


def test_mimefile_adds_types(serve, site):
    (site / "mime.types").write_text("application/x-custom bin\n")
    server = start(serve, site, "--mimefile", "mime.types")
    assert fetch(server, "/static/data.bin").header("content-type") == "application/x-custom"
    assert fetch(server, "/static/css/base.css").header("content-type") == "text/css; charset=utf-8"


def test_static_map2_and_check_static(serve, site):
    (site / "docroot").mkdir()
    (site / "docroot" / "robots.txt").write_text("User-agent: *\n")
    (site / "docroot" / "static").mkdir()
    (site / "docroot" / "static" / "shadow.txt").write_text("from docroot\n")
    server = serve("static_app.py", "--static-map2", "/static=.", "--check-static", "docroot", cwd=site)
    assert fetch(server, "/robots.txt").body == b"User-agent: *\n"
    assert fetch(server, "/static/js/app.js").body == b"console.log(1);\n"  # ./static/js/app.js
    assert fetch(server, "/static/shadow.txt").body == b"from docroot\n"  # check-static comes first
    assert fetch(server, "/other").body == b"app GET /other"


def test_a_mapped_single_file(serve, site):
    (site / "favicon.ico").write_bytes(b"\x00\x00\x01\x00")
    server = serve("static_app.py", "--static-map", "/favicon.ico=favicon.ico", cwd=site)
    r = fetch(server, "/favicon.ico")
    assert (r.body, r.header("content-type")) == (b"\x00\x00\x01\x00", "image/vnd.microsoft.icon")
    assert fetch(server, "/favicon.ico/x").body == b"app GET /favicon.ico/x"


def test_uwsgi_socket_serves_static_files(serve, site):
    port = free_port()
    server = serve(args=["--socket", f"127.0.0.1:{port}", "--wsgi-file", str(Path(__file__).parent / "apps" / "static_app.py"),
                         "--static-map", "/static=static"], port=port, cwd=site)
    r = uwsgi_client.request(("127.0.0.1", server.port), uri="/static/css/base.css")
    assert (r.status, r.body, r.header("content-type")) == (200, CSS, "text/css; charset=utf-8")
    r = uwsgi_client.request(("127.0.0.1", server.port), uri="/static/css/base.css",
                             extra={"HTTP_RANGE": "bytes=0-3"})
    assert (r.status, r.body) == (206, CSS[:4])
    r = uwsgi_client.request(("127.0.0.1", server.port), uri="/static/nope")
    assert r.body == b"app GET /static/nope"
    assert app_calls(site) == ["GET /static/nope"]
    assert wait_until(lambda: '"GET /static/css/base.css HTTP/1.1" 200 1000' in server.log())
    assert "10.1.2.3" in server.log()


def test_access_log_marks_static_requests(serve, site):
    server = start(serve, site)
    fetch(server, "/static/css/base.css")
    fetch(server, "/static/missing")
    assert wait_until(lambda: "/static/missing" in server.log())
    lines = server.log().splitlines()
    static_line = next(line for line in lines if "GET /static/css/base.css" in line)
    app_line = next(line for line in lines if "GET /static/missing" in line)
    assert static_line.endswith(" static") and f" 200 {len(CSS)} " in static_line
    assert not app_line.endswith(" static")


def test_static_requests_count_for_max_requests(serve, site):
    server = start(serve, site, "--max-requests", "3")
    [first] = server.wait_workers(1)
    for _ in range(3):
        assert fetch(server, "/static/css/base.css").status == 200
    # uWSGI counts static requests too: the worker recycles after three of them.
    assert wait_until(lambda: first not in server.workers() and len(server.workers()) == 1), server.log()
    assert app_calls(site) == []


def test_pipelined_static_and_app_requests_keep_their_order(serve, site):
    server = start(serve, site, "--threads", "2")
    conn = RawConnection(server.port)
    conn.send(b"GET /static/js/app.js HTTP/1.1\r\nHost: x\r\n\r\n"
              b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
              b"GET /static/css/base.css HTTP/1.1\r\nHost: x\r\n\r\n"
              b"GET /static/js/app.js HTTP/1.1\r\nHost: x\r\n\r\n")
    bodies = [conn.read_response().body for _ in range(4)]
    conn.close()
    assert bodies == [b"console.log(1);\n", b"app GET /hello", CSS, b"console.log(1);\n"]


def test_static_files_do_not_wait_for_busy_request_threads(serve, site):
    (site / "hold").write_text("")
    server = start(serve, site, "--threads", "2")
    keep = RawConnection(server.port, timeout=30)
    keep.send(b"GET /static/js/app.js HTTP/1.1\r\nHost: x\r\n\r\n")
    assert keep.read_response().status == 200
    held = []
    try:
        for _ in range(2):
            c = RawConnection(server.port, timeout=30)
            c.send(b"GET /sleep HTTP/1.1\r\nHost: x\r\n\r\n")
            held.append(c)
        wait_entered(site, 2)
        # Both request threads are in the app: the event loop answers the static file itself on
        # the connection it holds. (New connections wait for a free thread: with every thread busy
        # the worker leaves them to the other workers, docs/design.md.)
        started = time.monotonic()
        keep.send(b"GET /static/css/base.css HTTP/1.1\r\nHost: x\r\n\r\n")
        assert keep.read_response().body == CSS
        assert time.monotonic() - started < 5
        assert len(app_calls(site)) == 2
    finally:
        (site / "hold").unlink()
        for c in [keep, *held]:
            c.close()


# uWSGI starts with a static-map whose directory does not exist yet (Django's MEDIA_ROOT appears with
# the first upload): the app answers under the mountpoint until the directory is there.
def test_a_mapped_directory_that_does_not_exist_yet(serve, site):
    server = serve("static_app.py", "--static-map", "/media=media", cwd=site)
    assert "--static-map /media=media" not in server.log()
    assert wait_until(lambda: "media does not exist (yet): requests under /media go to the application" in server.log())
    r = fetch(server, "/media/photo.txt")
    assert (r.status, r.body) == (200, b"app GET /media/photo.txt")
    (site / "media").mkdir()
    (site / "media" / "photo.txt").write_bytes(b"uploaded")
    # The mapped directory is looked up again within a second (static_open's per-thread cache).
    assert wait_until(lambda: fetch(server, "/media/photo.txt").body == b"uploaded", 5)


@pytest.mark.parametrize("args, message", [
    (["--static-map", "/static"], "option static-map: \"/static\" is not MOUNTPOINT=PATH"),
    (["--static-expires", "([ 60"], "option static-expires: regex \"([\" does not compile"),
    (["--check-static", "/nonexistent"], "option check-static: directory not found: /nonexistent"),
])
def test_configuration_errors_name_the_key(tmp_path, args, message):
    app = Path(__file__).parent / "apps" / "static_app.py"
    for command in (["--check-config"], []):
        result = run_cli(["--http", f"127.0.0.1:{free_port()}", "--wsgi-file", str(app), *args, *command], cwd=tmp_path)
        assert result.returncode == 1, result
        assert message in result.stderr + result.stdout, result.stderr
