"""Socket activation (docs/deployment.md, systemd): appserver started by `systemd-socket-activate` (Debian's
systemd package) serves the sockets it is given instead of binding, HTTP and uwsgi, TCP and unix,
across a reload; it refuses, in one line, what is not a listening stream socket.

systemd-socket-activate binds, waits for the first connection, then execs appserver in its own
pid with LISTEN_PID/LISTEN_FDS/LISTEN_FDNAMES: that first connection waits in the queue and is
answered once appserver serves."""
import json
import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest

import uwsgi_client
from harness import APPS, BINARY, Server, can_connect, free_port, wait_until
from site_dir import get

ACTIVATE = shutil.which("systemd-socket-activate")
pytestmark = pytest.mark.skipif(ACTIVATE is None, reason="needs systemd-socket-activate (Debian's systemd package)")


class Activated(Server):
    """appserver under systemd-socket-activate: the same pid (it execs), cleaned up by pid."""

    def __init__(self, listen, appserver_args, cwd, fdname=None, port=None):
        wrapper = [ACTIVATE, "-l", str(listen)] + ([f"--fdname={fdname}"] if fdname else [])
        super().__init__([], cwd, port=port)
        # systemd-socket-activate hands the program only the variables named with -E: pass on the
        # test's environment (the sanitizers' options under `make sanitize`, PYTHONPATH...).
        for name in (self.env or os.environ):
            if not name.startswith("LISTEN_"):
                wrapper.append(f"-E{name}")
        self.command = wrapper + [BINARY, *appserver_args]
        self.listen = listen

    def start(self, wait_port=False, timeout=15.0):
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT)
        self.known_pids.add(self.proc.pid)
        address = ("127.0.0.1", self.port) if self.port else self.listen
        assert wait_until(lambda: self.proc.poll() is not None or can_connect(address), timeout), self.log()
        return self


@pytest.fixture
def activated(tmp_path):
    started = []

    def start(listen, args, fdname=None, port=None):
        app = tmp_path / "systemd_app.py"
        shutil.copy(APPS / "systemd_app.py", app)
        server = Activated(listen, ["--wsgi-file", str(app), "--processes", "2", *args], tmp_path, fdname, port)
        started.append(server)
        return server.start()

    yield start
    for server in started:
        server.stop()


def test_http_socket_named_by_the_configuration_is_taken_not_bound(activated):
    # Before: "bind(127.0.0.1:PORT) failed (98: Address already in use)".
    port = free_port()
    server = activated(f"127.0.0.1:{port}", ["--http", f"127.0.0.1:{port}"], port=port)
    assert get(port, "/") == (200, "v1"), server.log()
    assert f"listening on 127.0.0.1:{port} (http, from socket activation)" in server.log()
    # Taken and removed from the environment: the app (and anything it starts) does not see them.
    env = json.loads(get(port, "/env")[1])
    assert env["LISTEN_PID"] is None and env["LISTEN_FDS"] is None and env["LISTEN_FDNAMES"] is None


def test_a_socket_no_address_names_is_served_as_http(activated):
    port = free_port()
    server = activated(f"127.0.0.1:{port}", [], port=port)  # no http/socket at all
    assert get(port, "/") == (200, "v1"), server.log()


def test_a_socket_named_uwsgi_speaks_uwsgi_and_vacuum_leaves_its_file(activated, sock_dir):
    path = os.path.join(sock_dir, "app.sock")
    server = activated(path, ["--vacuum"], fdname="uwsgi")
    response = uwsgi_client.request(path, uri="/")
    assert response.status == 200 and response.body == b"v1", server.log()
    env = json.loads(uwsgi_client.request(path, uri="/env").body)
    assert env["LISTEN_FDNAMES"] is None and env["LISTEN_FDS"] is None
    server.signal(signal.SIGTERM)
    assert server.wait() == 0
    assert Path(path).exists(), "systemd owns the socket file: vacuum must not remove it"


def test_a_configured_unix_socket_is_matched_by_path(activated, sock_dir):
    path = os.path.join(sock_dir, "app.sock")
    # Unnamed, so it would be http; the configuration names its path as a uwsgi socket.
    server = activated(path, ["--socket", path])
    assert uwsgi_client.request(path, uri="/").status == 200, server.log()
    assert f"listening on {path} (uwsgi, from socket activation)" in server.log()


def test_reload_keeps_the_activated_socket(activated, tmp_path):
    port = free_port()
    pidfile = tmp_path / "pid"
    server = activated(f"127.0.0.1:{port}", ["--pidfile", str(pidfile)], port=port)
    assert get(port, "/") == (200, "v1"), server.log()
    (tmp_path / "BODY").write_text("v2")
    result = subprocess.run([BINARY, "--reload", str(pidfile)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr + server.log()
    assert get(port, "/") == (200, "v2")
    assert server.log().count(f"listening on 127.0.0.1:{port} (http, from socket activation)") == 2  # 2 generations
    assert int(pidfile.read_text()) == server.pid
    # The re-executed image did not take LISTEN_* again (the hand-over carries the socket).
    env = json.loads(get(port, "/env")[1])
    assert env["LISTEN_FDS"] is None


def run_with_fd3(tmp_path, setup_fd, extra=()):
    """appserver started with fd 3 = setup_fd and LISTEN_PID/LISTEN_FDS saying it was passed."""
    script = 'export LISTEN_PID=$$ LISTEN_FDS=1; exec "$0" "$@" 3<&' + str(setup_fd)
    args = ["bash", "-c", script, BINARY, "--wsgi-file", str(APPS / "systemd_app.py"), *extra]
    return subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=30, pass_fds=(setup_fd,))


def test_an_fd_that_is_not_a_socket_is_refused(tmp_path):
    with open("/dev/null") as f:
        result = run_with_fd3(tmp_path, f.fileno())
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == "appserver: socket activation: fd 3 is not a socket"


def test_a_socket_that_does_not_listen_or_is_not_a_stream_is_refused(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        result = run_with_fd3(tmp_path, s.fileno())
        assert result.returncode == 1
        assert f"socket activation: fd 3 (127.0.0.1:{s.getsockname()[1]}) is not listening" in result.stderr
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        result = run_with_fd3(tmp_path, s.fileno())
        assert result.returncode == 1
        assert "is not a stream socket" in result.stderr


def test_nothing_to_listen_on_without_activation(tmp_path):
    result = subprocess.run([BINARY, "--wsgi-file", str(APPS / "systemd_app.py")], cwd=tmp_path,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "nothing to listen on" in result.stderr


def test_reload_may_write_the_activated_address_differently(tmp_path):
    # ListenStream=PORT binds [::]:PORT; ":PORT" and "0.0.0.0:PORT" both name it. Before: the reload
    # check tried to bind "0.0.0.0:PORT" itself and refused the reload (address in use).
    port = free_port()
    app = tmp_path / "systemd_app.py"
    shutil.copy(APPS / "systemd_app.py", app)
    ini = tmp_path / "site.ini"
    ini.write_text(f"[uwsgi]\nhttp = :{port}\nwsgi-file = {app}\npidfile = {tmp_path / 'pid'}\n")
    server = Activated(str(port), ["--ini", str(ini)], tmp_path, port=port)
    try:
        server.start()
        assert get(port, "/") == (200, "v1"), server.log()
        ini.write_text(ini.read_text().replace(f"http = :{port}", f"http = 0.0.0.0:{port}"))
        (tmp_path / "BODY").write_text("v2")
        result = subprocess.run([BINARY, "--reload", str(tmp_path / "pid")], capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 0, result.stderr + server.log()
        assert get(port, "/") == (200, "v2")
        assert f"listening on [::]:{port} (http, from socket activation)" in server.log()
    finally:
        server.stop()
