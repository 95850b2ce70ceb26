"""Running as root with uid/gid, as Django's deployment docs teach (issue 8, items 20 and 21):
chown-socket and umask, and reload / stop / vacuum after the master dropped root.

Most tests need root (they switch to `nobody`); they are skipped with the reason otherwise."""
import grp
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import harness
import uwsgi_client
from harness import APPS, Server, free_port, pid_alive, run_cli, wait_until
from site_dir import TracksPids

AS_ROOT = os.geteuid() == 0


def _ids():
    try:
        return pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
    except KeyError:
        return None


NOBODY = _ids()
needs_root = pytest.mark.skipif(not AS_ROOT or NOBODY is None,
                                reason="needs root and the user nobody / group nogroup (switches to them)")


def reachable_by_others(path):
    """Every directory above `path` lets other users through, and `path` lets them run it."""
    path = Path(path).resolve()
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])


@pytest.fixture
def priv_dir(monkeypatch):
    """A sticky, world-writable directory (like /tmp) that `nobody` can use, with the app in it."""
    d = Path(tempfile.mkdtemp(prefix="as-priv-", dir="/tmp"))
    d.chmod(0o1777)
    shutil.copy(APPS / "privs_app.py", d / "app.py")
    (d / "app.py").chmod(0o644)
    # A master running as nobody re-executes its own binary on reload: a checkout in a private
    # directory (mktemp -d is 0700) cannot be reached, so the binary is copied where nobody can.
    if not reachable_by_others(harness.BINARY):
        copy = d / "appserver"
        shutil.copy(harness.BINARY, copy)
        copy.chmod(0o755)
        # ... with its Python plugins, which it loads from <its directory>/plugins.
        shutil.copytree(Path(harness.BINARY).parent / "plugins", d / "plugins")
        for path in [d / "plugins", *(d / "plugins").iterdir()]:
            path.chmod(0o755)
        monkeypatch.setattr(harness, "BINARY", str(copy))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def http_get(address, path="/", timeout=10):
    """GET over TCP (port) or a unix socket (path): (status, body)."""
    if isinstance(address, int):
        s = socket.create_connection(("127.0.0.1", address), timeout=timeout)
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(str(address))
    with s:
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode()


def connect_as_nobody(path):
    """Connects to a unix socket from a process running as nobody: 'ok' or the error's name."""
    code = ("import socket,sys\ns=socket.socket(socket.AF_UNIX)\n"
            "try:\n s.connect(sys.argv[1]); print('ok')\nexcept OSError as e:\n print(type(e).__name__)")
    out = subprocess.run([sys.executable, "-c", code, str(path)], user=NOBODY[0], group=NOBODY[1],
                         capture_output=True, text=True, timeout=20)
    return out.stdout.strip()


@needs_root
def test_chown_socket_lets_a_proxy_running_as_that_user_connect(priv_dir, serve):
    sock = priv_dir / "app.sock"
    port = free_port()
    server = serve(None, port=port, args=["--http", f"127.0.0.1:{port}", "--http-socket", str(sock),
                                          "--wsgi-file", str(priv_dir / "app.py"), "--uid", "nobody", "--gid",
                                          "nogroup", "--chown-socket", "nobody:nogroup", "--chmod-socket", "660"])
    assert wait_until(lambda: sock.exists(), timeout=10), server.log()
    st = sock.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (NOBODY[0], NOBODY[1], 0o660), server.log()
    assert connect_as_nobody(sock) == "ok"
    status, body = http_get(sock)
    assert status == 200 and f"euid={NOBODY[0]}" in body


@needs_root
def test_chown_socket_with_a_user_only_keeps_the_group(priv_dir, serve):
    sock = priv_dir / "app.sock"
    port = free_port()
    server = serve(None, port=port, args=["--http-socket", str(sock), "--http", f"127.0.0.1:{port}",
                                          "--wsgi-file", str(priv_dir / "app.py"), "--chown-socket", str(NOBODY[0])])
    assert wait_until(lambda: sock.exists(), timeout=10), server.log()
    assert (sock.stat().st_uid, sock.stat().st_gid) == (NOBODY[0], 0)


def test_chown_socket_names_an_unknown_user_and_exits_1(priv_dir):
    result = run_cli(["--http-socket", str(priv_dir / "x.sock"), "--wsgi-file", str(priv_dir / "app.py"),
                      "--chown-socket", "no-such-user-xyz:nogroup"])
    assert result.returncode == 1
    assert 'chown-socket: no such user "no-such-user-xyz"' in result.stderr
    assert not (priv_dir / "x.sock").exists()


def test_umask_applies_to_the_sockets_and_to_what_the_app_creates(priv_dir, serve):
    sock = priv_dir / "app.sock"
    port = free_port()
    server = serve(None, port=port, args=["--http", f"127.0.0.1:{port}", "--http-socket", str(sock),
                                          "--wsgi-file", str(priv_dir / "app.py"), "--umask", "027"])
    assert wait_until(lambda: sock.exists(), timeout=10), server.log()
    assert stat.S_IMODE(sock.stat().st_mode) == 0o750
    assert http_get(server.port, "/create") == (200, "640")


def test_umask_must_be_octal():
    result = run_cli(["--http", ":0", "--wsgi-file", str(APPS / "echo.py"), "--umask", "0o22"])
    assert result.returncode == 1 and "umask" in result.stderr


def test_check_config_refuses_a_user_or_group_that_does_not_exist():
    for key in ("--uid", "--gid"):
        result = run_cli(["--http", ":0", "--wsgi-file", str(APPS / "echo.py"), key, "no-such-name-xyz",
                          "--check-config"])
        assert result.returncode == 1, result.stdout
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "no-such-name-xyz" in lines[0], result.stderr


@needs_root
def test_check_config_imports_the_app_as_uid_never_as_root(priv_dir):
    marker = priv_dir / "imported-as"
    env = dict(os.environ, PRIVS_IMPORT_MARKER=str(marker))
    result = run_cli(["--http", ":0", "--wsgi-file", str(priv_dir / "app.py"), "--uid", "nobody", "--gid",
                      "nogroup", "--check-config"], env=env)
    assert result.returncode == 0, result.stderr
    assert marker.read_text() == str(NOBODY[0])


class Site(TracksPids):
    """A site in `priv_dir` configured by an ini file, run as root with uid/gid nobody/nogroup."""

    def __init__(self, root, daemonize):
        self.root, self.daemonize = root, daemonize
        self.port = free_port()
        self.pidfile = root / "app.pid"
        self.sock = root / "app.sock"
        self.log = root / "app.log"
        lines = ["[uwsgi]", f"http = 127.0.0.1:{self.port}", f"socket = {self.sock}",
                 f"wsgi-file = {root / 'app.py'}", f"pidfile = {self.pidfile}", "vacuum = true",
                 "uid = nobody", "gid = nogroup", "chown-socket = nobody:nogroup", "processes = 2"]
        if daemonize:
            lines.append(f"daemonize = {self.log}")
        (root / "app.ini").write_text("\n".join(lines) + "\n")
        self.server = None
        self.seen = set()

    def start(self):
        if self.daemonize:
            result = run_cli(["--ini", str(self.root / "app.ini")], cwd=self.root)
            assert result.returncode == 0, result.stderr
        else:
            self.server = Server(["--ini", str(self.root / "app.ini")], self.root, port=self.port).start()
        assert wait_until(lambda: self.pidfile.exists(), timeout=10)
        self.track()

    def text(self):
        if self.server:
            return self.server.log()
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def cli(self, *args):
        started = time.monotonic()
        result = run_cli(list(args), cwd=self.root, timeout=60)
        self.track()
        return result, time.monotonic() - started

    def cleanup(self):
        self.track()
        for pid in self.seen:
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
        if self.server:
            self.server.stop()


@pytest.fixture(params=[False, True], ids=["foreground", "daemonize"])
def site(priv_dir, request):
    s = Site(priv_dir, request.param)
    yield s
    s.cleanup()


@needs_root
def test_reload_stop_and_vacuum_work_after_dropping_root(site):
    site.start()
    master = site.master()
    assert wait_until(lambda: http_get(site.port)[0] == 200, timeout=10), site.text()
    assert http_get(site.port)[1] == f"v1 uid={NOBODY[0]} euid={NOBODY[0]} imported_as={NOBODY[0]}"
    assert pwd.getpwuid(site.sock.stat().st_uid).pw_name == "nobody"

    app = site.root / "app.py"
    app.write_text(app.read_text().replace('VERSION = "v1"', 'VERSION = "v22"'))
    result, took = site.cli("--reload", str(site.pidfile))
    assert result.returncode == 0, f"{result.stdout}{result.stderr}\n{site.text()[-3000:]}"
    assert took < 30
    assert site.master() == master
    assert http_get(site.port)[1] == f"v22 uid={NOBODY[0]} euid={NOBODY[0]} imported_as={NOBODY[0]}"
    response = uwsgi_client.request(str(site.sock))
    assert response.status == 200 and response.body.startswith(b"v22"), response.status_line

    result, _ = site.cli("--stop", str(site.pidfile))
    assert result.returncode == 0, f"{result.stdout}{result.stderr}\n{site.text()[-3000:]}"
    assert wait_until(lambda: not pid_alive(master), timeout=10)
    leftovers = [p.name for p in (site.pidfile, Path(f"{site.pidfile}.reload"), site.sock) if p.exists()]
    assert leftovers == [], site.text()[-3000:]
    assert "vacuum:" not in site.text()


@needs_root
def test_reload_fails_fast_when_the_master_cannot_write_its_status_file(priv_dir):
    root = priv_dir / "private"
    root.mkdir(mode=0o755)  # root's: the master, as nobody, can create nothing here
    shutil.copy(priv_dir / "app.py", root / "app.py")
    s = Site(root, daemonize=False)
    try:
        s.start()
        Path(f"{s.pidfile}.reload").unlink(missing_ok=True)
        result, took = s.cli("--reload", str(s.pidfile))
        assert result.returncode == 1 and took < 10
        assert "cannot write" in result.stderr and len(result.stderr.strip().splitlines()) == 1
        assert http_get(s.port)[0] == 200
        # vacuum cannot remove the pidfile from root's directory: it says so, naming path and errno.
        master = s.master()
        assert s.cli("--stop", str(s.pidfile))[0].returncode == 0
        assert wait_until(lambda: not pid_alive(master), timeout=10)
        assert f'vacuum: unlink("{s.pidfile}") failed (13: Permission denied)' in s.text()
    finally:
        s.cleanup()
