"""A site directory the way a user lays it out (uwsgi.ini, test.py, pid.log, log.log) and the
`site` fixture, which cleans up every daemonized master and worker by pid at teardown."""
import http.client
import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from harness import APPS, BINARY, children_of, free_port, pid_alive, wait_until


def is_appserver(pid):
    try:
        return b"appserver" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]
    except OSError:
        return False


def get(port, path="/", timeout=10):
    """One request on its own connection (Connection: close): (status, body text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        resp = conn.getresponse()
        return resp.status, resp.read().decode(errors="replace")
    finally:
        conn.close()


class TracksPids:
    """The master named by `self.pidfile` and every child it had, recorded in `self.seen` so that
    teardown can kill each of them by pid."""

    def master(self):
        return int(self.pidfile.read_text().split()[0])

    def track(self):
        try:
            pid = self.master()
        except (OSError, ValueError, IndexError):
            return
        self.seen.add(pid)
        self.seen.update(children_of(pid))


class Site(TracksPids):
    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.ini = root / "uwsgi.ini"
        self.app = root / "test.py"
        self.helper = root / "lifecycle_helper.py"
        self.pidfile = root / "pid.log"
        self.logfile = root / "log.log"
        self.seen = set()  # every master and worker pid seen; all must be gone at teardown
        shutil.copy(APPS / "lifecycle.py", self.app)
        shutil.copy(APPS / "lifecycle_helper.py", self.helper)
        self.write_ini()

    # --- the site's files
    def write_ini(self, **options):
        """The issue's uwsgi.ini; keyword arguments (dashes as underscores) add, change or (None) drop keys."""
        keys = {
            "http": f"127.0.0.1:{self.port}",
            "chdir": str(self.root),
            "daemonize": str(self.logfile),
            "pidfile": str(self.pidfile),
            "wsgi-file": str(self.app),
            "master": "true",
            "processes": "4",
            "vacuum": "true",
        }
        keys.update({k.replace("_", "-"): v for k, v in options.items()})
        lines = ["[uwsgi]"]
        for key, value in keys.items():
            for v in value if isinstance(value, list) else [value]:
                if v is not None:
                    lines.append(f"{key} = {v}")
        self.ini.write_text("\n".join(lines) + "\n")

    def deploy(self, version):
        """Edits the app as a deploy would. Give each version a different length: CPython's bytecode
        cache compares the source's size and whole-second mtime."""
        text = self.app.read_text()
        self.app.write_text(re.sub(r'VERSION = "[^"]*"', f'VERSION = "{version}"', text))

    def log(self):
        try:
            return self.logfile.read_text(errors="replace")
        except OSError:
            return ""

    # --- commands, as a user types them in the site directory
    def run(self, *args, timeout=30):
        result = subprocess.run([BINARY, *args], cwd=self.root, stdin=subprocess.DEVNULL, capture_output=True,
                                text=True, timeout=timeout)
        self.track()
        return result

    def start(self):
        result = self.run("--ini", "uwsgi.ini")
        assert result.returncode == 0, f"start failed: {result.stderr}\n{self.log()}"
        return result

    # --- processes
    def workers(self):
        """The master's live children, the reload check process excluded."""
        pid = self.master()
        kids = [k for k in children_of(pid) if pid_alive(k)]
        self.seen.update(kids)
        return [k for k in kids if b"--check-config" not in _cmdline(k)]

    def wait_workers(self, count, timeout=10.0):
        assert wait_until(lambda: len(self.workers()) == count, timeout), \
            f"expected {count} workers, have {self.workers()}\n{self.log()}"
        return set(self.workers())

    def get(self, path="/", timeout=10):
        return get(self.port, path, timeout)

    def cleanup(self):
        self.track()
        for pid in list(self.seen):
            if pid_alive(pid):
                self.seen.update(children_of(pid))
        masters = [p for p in self.seen if pid_alive(p) and is_appserver(p) and os.getppid() != p]
        for pid in masters:
            try:
                os.kill(pid, signal.SIGINT)
            except ProcessLookupError:
                pass
        wait_until(lambda: not any(pid_alive(p) for p in self.seen), timeout=10)
        for pid in self.seen:
            if pid_alive(pid) and is_appserver(pid):
                os.kill(pid, signal.SIGKILL)
        return [p for p in self.seen if pid_alive(p)]


def _cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.fixture
def site(tmp_path):
    s = Site(tmp_path)
    yield s
    leftovers = s.cleanup()
    assert not leftovers, f"processes left running: {leftovers}"


@pytest.fixture
def bystander():
    """A process that is not an appserver (a `sleep 30`), killed at teardown."""
    proc = subprocess.Popen(["sleep", "30"])
    yield proc
    proc.kill()
    proc.wait(timeout=5)


def dead_pid():
    proc = subprocess.Popen(["true"])
    proc.wait(timeout=5)
    return proc.pid


def wait_for_body(site, expected, path="/", timeout=10.0):
    """Polls until the site answers `expected` (bounded); returns the last body seen."""
    last = [None]

    def check():
        try:
            status, body = site.get(path, timeout=5)
        except OSError as e:
            last[0] = repr(e)
            return False
        last[0] = body
        return status == 200 and body == expected

    wait_until(check, timeout=timeout, interval=0.1)
    return last[0]


def session_id(pid):
    # /proc/PID/stat: "pid (comm) state ppid pgrp session ..."
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[3])

