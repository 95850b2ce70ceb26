"""Static files must never hand out what is not under a mapped directory, open what is not a
regular file, or hang a connection (issue 10, Safety). Each rule against the real binary on a real
socket: the secret next to the mapped directory must never come back."""
import grp
import os
import pwd
import shutil
import socket
import stat
import tempfile
import time
from pathlib import Path

import pytest

import uwsgi_client
from harness import APPS, Server, free_port, wait_until
from rawhttp import RawConnection, answered_in

SECRET = b"SECRET-CONTENT-7f3a\n"


@pytest.fixture
def site(tmp_path):
    (tmp_path / "secret.txt").write_bytes(SECRET)
    static = tmp_path / "static"
    static.mkdir()
    (static / "ok.css").write_text("body{}\n")
    (static / ".hidden").write_text("dot-file\n")
    (static / "sub").mkdir()
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "lib.js").write_text("shared();\n")
    return tmp_path


def raw_get(port, target, timeout=10):
    """GET with the target sent as is (no client-side normalisation of .. or escapes)."""
    conn = RawConnection(port, timeout=timeout)
    try:
        conn.send(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return conn.read_response()
    finally:
        conn.close()


def start(serve, site, *extra):
    return serve("static_app.py", "--static-map", "/static=static", *extra, cwd=site)


@pytest.mark.parametrize("target", [
    b"/static/../secret.txt",
    b"/static/sub/../../secret.txt",
    b"/static/%2e%2e/secret.txt",
    b"/static/%2E%2E/secret.txt",
    b"/static/..%2fsecret.txt",
    b"/static/sub%2f..%2f..%2fsecret.txt",
    b"/static/..\\secret.txt",
    b"/static/%2e%2e%5csecret.txt",
    b"/static/ok.css%00.png",
    b"/static/%00",
    b"/static//../secret.txt",
])
def test_traversal_never_reaches_the_secret(serve, site, target):
    server = start(serve, site)
    r = raw_get(server.port, target)
    assert SECRET not in r.body
    # Not looked up on disk: the application answers, as for any path that is no static file.
    assert r.body.startswith(b"app GET "), r.body


def test_traversal_over_the_uwsgi_protocol(serve, site):
    port = free_port()
    server = serve(args=["--socket", f"127.0.0.1:{port}", "--wsgi-file", str(APPS / "static_app.py"),
                         "--static-map", "/static=static"], port=port, cwd=site)
    for path in ["/static/../secret.txt", "/static/sub/../../secret.txt", "/static/..\\secret.txt",
                 "/static/ok.css\x00.png"]:
        r = uwsgi_client.request(("127.0.0.1", server.port), uri="/x", extra={"PATH_INFO": path})
        assert SECRET not in r.body and r.body.startswith(b"app GET"), (path, r.body)


def test_a_nul_byte_in_the_request_line_is_refused(serve, site):
    server = start(serve, site)
    conn = RawConnection(server.port)
    conn.send(b"GET /static/ok.css\x00 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.read_response().status == 400
    conn.close()


def test_symlink_out_of_the_directory_is_refused_unless_static_safe(serve, site):
    static = site / "static"
    (static / "leak.txt").symlink_to(site / "secret.txt")
    (static / "up").symlink_to(site)
    (static / "lib.js").symlink_to(site / "shared" / "lib.js")
    (static / "inside.css").symlink_to(static / "ok.css")
    server = start(serve, site)
    for path in [b"/static/leak.txt", b"/static/up/secret.txt", b"/static/lib.js"]:
        r = raw_get(server.port, path)
        assert r.status == 403 and SECRET not in r.body and b"shared" not in r.body, (path, r.status, r.body)
    assert raw_get(server.port, b"/static/inside.css").body == b"body{}\n"  # a symlink within is fine
    assert "static file refused" in server.log() and "leak.txt" in server.log()

    safe = start(serve, site, "--static-safe", str(site / "shared"))
    assert raw_get(safe.port, b"/static/lib.js").body == b"shared();\n"
    assert raw_get(safe.port, b"/static/leak.txt").status == 403


def test_fifos_sockets_and_devices_are_never_opened(serve, site):
    static = site / "static"
    os.mkfifo(static / "pipe")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock_path = tempfile.mktemp(prefix="as-", dir="/tmp")
    listener.bind(sock_path)
    os.symlink(sock_path, static / "sock")  # a unix socket path may be too long inside tmp_path
    try:
        os.mknod(static / "zero", 0o644 | stat.S_IFCHR, os.makedev(1, 5))
        have_device = True
    except PermissionError:
        have_device = False
    server = start(serve, site, "--static-safe", "/tmp")
    started = time.monotonic()
    # A FIFO opened for reading would block the worker until a writer came: it must answer at once.
    assert raw_get(server.port, b"/static/pipe", timeout=10).status == 403
    assert raw_get(server.port, b"/static/sock").status == 403
    if have_device:
        assert raw_get(server.port, b"/static/zero").status == 403
    assert time.monotonic() - started < 5
    assert answered_in_app(server) and raw_get(server.port, b"/static/ok.css").status == 200
    listener.close()
    os.unlink(sock_path)


def answered_in_app(server):
    return raw_get(server.port, b"/other").body == b"app GET /other"


def test_hidden_dot_files_are_served_like_uwsgi(serve, site):
    server = start(serve, site)
    assert raw_get(server.port, b"/static/.hidden").body == b"dot-file\n"


def _ids():
    try:
        return pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
    except KeyError:
        return None


@pytest.mark.skipif(os.geteuid() != 0 or _ids() is None, reason="needs root to switch to nobody")
def test_an_unreadable_file_is_403_not_500():
    d = Path(tempfile.mkdtemp(prefix="as-static-", dir="/tmp"))
    try:
        d.chmod(0o755)
        (d / "static").mkdir()
        (d / "static" / "ok.css").write_text("ok\n")
        (d / "static" / "private.css").write_text("private\n")
        (d / "static" / "private.css").chmod(0o600)  # root's; the server runs as nobody
        (d / "static" / "locked").mkdir(mode=0o700)
        (d / "static" / "locked" / "a.css").write_text("locked\n")
        shutil.copy(APPS / "static_app.py", d / "app.py")
        port = free_port()
        server = Server(["--http", f"127.0.0.1:{port}", "--wsgi-file", "app.py", "--uid", "nobody", "--gid", "nogroup",
                         "--static-map", "/static=static"], d, port=port)
        try:
            server.start()
            assert raw_get(port, b"/static/ok.css").body == b"ok\n"
            r = raw_get(port, b"/static/private.css")
            assert r.status == 403 and b"private" not in r.body
            assert raw_get(port, b"/static/locked/a.css").status == 403
            assert "Permission denied" in server.log()
        finally:
            server.stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_a_file_truncated_while_it_is_sent_ends_the_connection(serve, site):
    big = site / "static" / "big.bin"
    size = 64 * 1024 * 1024
    with open(big, "wb") as f:
        f.truncate(size)
    server = start(serve, site)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a slow reader: the file cannot be sent at once
    s.settimeout(20)
    s.connect(("127.0.0.1", server.port))
    s.sendall(b"GET /static/big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
    got = s.recv(4096)
    assert b"Content-Length: %d" % size in got
    os.truncate(big, 1024 * 1024)  # the file shrinks under the send
    started = time.monotonic()
    total = len(got)
    while True:
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        total += len(chunk)
    s.close()
    # Closed, with fewer bytes than promised (the client can tell), and well before any timeout.
    assert total < size
    assert time.monotonic() - started < 15
    # Logged once, with the file and its new size (by the output buffer, whichever send it cut).
    assert wait_until(lambda: "shrank while being sent, to 1048576 bytes" in server.log()), server.log()
    assert f"{big}: ended" in server.log() and server.log().count("shrank") == 1
    assert answered_in_app(server)


def test_a_file_that_grows_while_it_is_sent_keeps_its_content_length(serve, site):
    big = site / "static" / "grow.bin"
    size = 8 * 1024 * 1024
    with open(big, "wb") as f:
        f.truncate(size)
    server = start(serve, site)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(20)
    s.connect(("127.0.0.1", server.port))
    s.sendall(b"GET /static/grow.bin HTTP/1.1\r\nHost: x\r\n\r\nGET /static/ok.css HTTP/1.1\r\nHost: x\r\n\r\n")
    data = bytearray(s.recv(4096))
    with open(big, "ab") as f:
        f.write(b"x" * 1024 * 1024)
    head_end = data.find(b"\r\n\r\n") + 4
    assert b"Content-Length: %d" % size in data[:head_end]
    # Exactly the promised bytes, then the next response: nothing of the growth slipped in.
    while len(data) < head_end + size or not data.endswith(b"body{}\n"):
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        data += chunk
    s.close()
    rest = bytes(data[head_end + size:])
    assert rest.startswith(b"HTTP/1.1 200 OK\r\n") and rest.endswith(b"\r\n\r\nbody{}\n"), rest[:200]


def test_aborted_downloads_leak_no_descriptor(serve, site):
    big = site / "static" / "big.bin"
    with open(big, "wb") as f:
        f.truncate(16 * 1024 * 1024)
    server = start(serve, site)
    [worker] = server.wait_workers(1)
    assert raw_get(server.port, b"/static/ok.css").status == 200  # the mapped directory is open now
    before = len(os.listdir(f"/proc/{worker}/fd"))
    for _ in range(200):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        s.sendall(b"GET /static/big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        s.recv(1000)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # reset
        s.close()
    assert raw_get(server.port, b"/static/ok.css").status == 200
    assert wait_until(lambda: len(os.listdir(f"/proc/{worker}/fd")) <= before, 10), os.listdir(f"/proc/{worker}/fd")
    assert "shrank" not in server.log()  # a client that leaves is not the file's fault
