"""systemd's Type=notify protocol (docs/deployment.md, systemd): the test binds the AF_UNIX datagram socket a
service manager would, starts appserver with NOTIFY_SOCKET pointing at it, and checks the messages,
their order and who sent them (SO_PASSCRED: the kernel says the sender's pid)."""
import os
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time

import pytest

from harness import APPS, BINARY, Server, free_port, pid_alive, wait_entered, wait_until
from site_dir import get


class Manager:
    """The service manager's end: every datagram with the pid that sent it."""

    def __init__(self, address):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.sock.bind(address if not address.startswith("@") else "\0" + address[1:])
        self.address = address
        self.messages = []  # (sender pid, {key: value}, raw text)

    def collect(self):
        while True:
            try:
                data, ancillary, _, _ = self.sock.recvmsg(4096, socket.CMSG_SPACE(12), socket.MSG_DONTWAIT)
            except BlockingIOError:
                return self.messages
            pid = None
            for level, kind, value in ancillary:
                if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                    pid = struct.unpack("iII", value[:12])[0]
            text = data.decode()
            fields = dict(line.split("=", 1) for line in text.split("\n") if "=" in line)
            self.messages.append((pid, fields, text))

    def index(self, key, value=None, start=0):
        for i, (_, fields, _) in enumerate(self.collect()[start:], start):
            if key in fields and (value is None or fields[key] == value):
                return i
        return None

    def wait_for(self, key, value=None, start=0, timeout=20):
        assert wait_until(lambda: self.index(key, value, start) is not None, timeout), \
            f"no {key}={value} after message {start}: {[m[2] for m in self.messages]}"
        return self.index(key, value, start)

    def keys(self, start=0):
        return [list(fields) for _, fields, _ in self.collect()[start:]]

    def close(self):
        self.sock.close()


@pytest.fixture
def manager(sock_dir):
    m = Manager(os.path.join(sock_dir, "notify"))
    yield m
    m.close()


def start(tmp_path, manager, *extra, env=None, processes=2):
    port = free_port()
    app = tmp_path / "systemd_app.py"
    shutil.copy(APPS / "systemd_app.py", app)
    args = ["--http", f"127.0.0.1:{port}", "--wsgi-file", str(app), "--processes", str(processes),
            "--pidfile", str(tmp_path / "pid"), *extra]
    server = Server(args, tmp_path, env={"NOTIFY_SOCKET": manager.address, **(env or {})}, port=port)
    return server.start(wait_port=False)


def test_ready_once_every_worker_serves_and_only_the_master_speaks(tmp_path, manager, servers):
    server = start(tmp_path, manager)
    servers.append(server)
    ready = manager.wait_for("READY", "1")
    # READY=1 means it serves: the first request after it is answered, no retry.
    assert get(server.port, "/") == (200, "v1")
    assert len(server.wait_workers(2)) == 2
    pid, fields, _ = manager.messages[ready]
    assert fields["STATUS"] == "2 workers, 0 busy"
    assert "MAINPID" not in fields  # systemd started this very process
    assert manager.index("STATUS", "loading the application") < ready
    assert {p for p, _, _ in manager.collect()} == {server.pid}, "only the master notifies"
    # The application sees NOTIFY_SOCKET (it may speak to systemd itself where NotifyAccess= allows).
    assert f'"NOTIFY_SOCKET": "{manager.address}"' in get(server.port, "/env")[1]


def test_status_follows_busy_workers(tmp_path, manager, servers):
    server = start(tmp_path, manager)
    servers.append(server)
    ready = manager.wait_for("READY", "1")
    result = []
    t = threading.Thread(target=lambda: result.append(get(server.port, "/sleep?2.5", timeout=20)))
    t.start()
    wait_entered(tmp_path)
    busy = manager.wait_for("STATUS", "2 workers, 1 busy", start=ready + 1, timeout=10)
    t.join(20)
    assert result == [(200, "slept")]
    manager.wait_for("STATUS", "2 workers, 0 busy", start=busy + 1, timeout=10)
    # Sent when the text changes, never the same twice in a row.
    statuses = [f["STATUS"] for _, f, _ in manager.collect()[ready:] if "STATUS" in f]
    assert all(a != b for a, b in zip(statuses, statuses[1:])), statuses


def test_reload_is_reloading_then_ready_and_stop_is_stopping(tmp_path, manager, servers):
    server = start(tmp_path, manager)
    servers.append(server)
    first = manager.wait_for("READY", "1")
    (tmp_path / "BODY").write_text("v2")
    before = time.monotonic()
    result = subprocess.run([BINARY, "--reload", str(tmp_path / "pid")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr + server.log()
    reloading = manager.wait_for("RELOADING", "1", start=first + 1)
    usec = int(manager.messages[reloading][1]["MONOTONIC_USEC"])  # CLOCK_MONOTONIC, as time.monotonic()
    assert before - 1 <= usec / 1e6 <= time.monotonic() + 1
    ready = manager.wait_for("READY", "1", start=reloading + 1)
    assert get(server.port, "/") == (200, "v2")
    assert manager.messages[ready][1]["STATUS"] == "2 workers, 0 busy"

    # A reload whose application does not import: the running code keeps serving, and systemd hears
    # READY=1 again (it is not left "reloading").
    (tmp_path / "systemd_app.py").write_text("raise SyntaxError('broken on purpose')\n")
    result = subprocess.run([BINARY, "--reload", str(tmp_path / "pid")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    again = manager.wait_for("RELOADING", "1", start=ready + 1)
    failed = manager.wait_for("READY", "1", start=again + 1)
    assert manager.messages[failed][1]["STATUS"].startswith("reload failed"), manager.messages[failed]
    assert get(server.port, "/") == (200, "v2")

    server.signal(signal.SIGTERM)
    assert server.wait() == 0
    stopping = manager.wait_for("STOPPING", "1", start=failed + 1)
    assert manager.keys(stopping + 1) == [], "nothing after STOPPING=1"
    assert {p for p, _, _ in manager.collect()} == {server.pid}, "the re-executed master has the same pid"


def pings(manager, start):
    return sum(1 for _, f, _ in manager.collect()[start:] if f.get("WATCHDOG") == "1")


def test_watchdog_pings_from_the_loop_and_none_while_it_is_stuck(tmp_path, manager, servers):
    server = start(tmp_path, manager, env={"WATCHDOG_USEC": "400000"}, processes=1)
    servers.append(server)
    ready = manager.wait_for("READY", "1")
    # Every WATCHDOG_USEC / 2 = 0.2 s: several within 1.5 s, on a loaded machine too.
    mark = len(manager.collect())
    assert wait_until(lambda: pings(manager, mark) >= 4, timeout=5), manager.messages[ready:]
    os.kill(server.pid, signal.SIGSTOP)
    try:
        assert wait_until(lambda: open(f"/proc/{server.pid}/stat").read().split(") ")[1][0] == "T", 5)
        stopped = len(manager.collect())
        time.sleep(1.2)  # a window in which a running loop would ping 6 times
        assert pings(manager, stopped) == 0
    finally:
        os.kill(server.pid, signal.SIGCONT)
    resumed = len(manager.collect())
    assert wait_until(lambda: pings(manager, resumed) >= 2, timeout=5)


def test_no_watchdog_pings_when_asked_of_another_pid(tmp_path, manager, servers):
    server = start(tmp_path, manager, env={"WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"}, processes=1)
    servers.append(server)
    manager.wait_for("READY", "1")
    time.sleep(0.6)  # three intervals
    assert pings(manager, 0) == 0


def test_daemonized_master_names_itself_and_abstract_sockets_work(tmp_path, sock_dir):
    manager = Manager(f"@appserver-test-{os.getpid()}-{time.monotonic_ns()}")
    port = free_port()
    pidfile = tmp_path / "pid"
    args = [BINARY, "--http", f"127.0.0.1:{port}", "--wsgi-file", str(APPS / "systemd_app.py"),
            "--pidfile", str(pidfile), "--daemonize", str(tmp_path / "log")]
    env = {**os.environ, "NOTIFY_SOCKET": manager.address}
    master = None
    try:
        result = subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        master = int(pidfile.read_text())
        ready = manager.wait_for("READY", "1")
        sender, fields, _ = manager.messages[ready]
        assert fields["MAINPID"] == str(master) and sender == master
    finally:
        if master and pid_alive(master):
            os.kill(master, signal.SIGINT)
            wait_until(lambda: not pid_alive(master), 10)
        manager.close()


def test_a_missing_notify_socket_is_silent(tmp_path, sock_dir, servers):
    port = free_port()
    server = Server(["--http", f"127.0.0.1:{port}", "--wsgi-file", str(APPS / "systemd_app.py")], tmp_path,
                    env={"NOTIFY_SOCKET": os.path.join(sock_dir, "nobody-listens")}, port=port)
    servers.append(server)
    server.start()
    assert get(port, "/") == (200, "v1")
    assert "notif" not in server.log().lower()
