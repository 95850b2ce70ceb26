"""The exhausted descriptor table on the master's side: a reload of a master at its RLIMIT_NOFILE,
and workers forked without a descriptor to spare for their epoll instance or their thread pool's
eventfd."""
import http.client
import os
import resource
import signal
import subprocess
import time
from pathlib import Path

import pytest

from harness import APPS, BINARY, Server, free_port, wait_until


def start(tmp_path, *extra, processes=2, env=None, wait=True):
    port = free_port()
    s = Server(["--http", f"127.0.0.1:{port}", "--wsgi-file", str(APPS / "redteam_app.py"),
                "--processes", str(processes), *extra], tmp_path, port=port, env=env)
    s.start(wait_port=wait)
    if wait:
        s.wait_workers(processes)
    return s


def get(port, path="/"):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def limit_fds(pid, free):
    """Leaves the running master `free` descriptors (soft and hard limit, as a low LimitNOFILE)."""
    n = open_fds(pid) + free
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (n, n))


def reload(pidfile):
    started = time.monotonic()
    r = subprocess.run([BINARY, "--reload", str(pidfile)], capture_output=True, text=True, timeout=150)
    return r, time.monotonic() - started


@pytest.fixture
def needs_root():
    if os.geteuid() != 0:
        pytest.skip("lowering another process's hard limit and raising it back needs root")


def test_reload_of_a_master_out_of_descriptors_answers_at_once(tmp_path, needs_root):
    """No descriptor left: the master could not even write that it refuses; --reload used to wait
    120 s for that answer. It now says so at once, without signalling."""
    pidfile = tmp_path / "app.pid"
    s = start(tmp_path, "--pidfile", str(pidfile))
    try:
        limit_fds(s.pid, 0)
        r, took = reload(pidfile)
        assert took < 20 and r.returncode == 1, (took, r.stdout, r.stderr)
        assert "file descriptors" in r.stderr and "master got SIGHUP" not in s.log()
        assert get(s.port)[0] == 200 and s.proc.poll() is None
    finally:
        s.stop()


def test_reload_check_without_descriptors_names_the_call(tmp_path, needs_root):
    """One descriptor left: the check's pipe cannot be made; the refusal names pipe2 and its errno
    (it used to say fork() failed) and the old workers keep serving."""
    pidfile = tmp_path / "app.pid"
    s = start(tmp_path, "--pidfile", str(pidfile))
    try:
        workers = set(s.workers())
        limit_fds(s.pid, 1)
        os.kill(s.pid, signal.SIGHUP)
        status = Path(f"{pidfile}.reload")
        assert wait_until(lambda: status.exists() and status.read_text().endswith("\n"), timeout=10), s.log()[-1500:]
        assert "pipe2() failed (24: Too many open files)" in status.read_text()
        assert "pipe2() failed (24: Too many open files)" in s.log()
        assert get(s.port)[0] == 200 and set(s.workers()) == workers
    finally:
        s.stop()


def test_reload_with_few_descriptors_to_spare_still_works(tmp_path, needs_root):
    pidfile = tmp_path / "app.pid"
    s = start(tmp_path, "--pidfile", str(pidfile))
    try:
        limit_fds(s.pid, 2)
        r, took = reload(pidfile)
        assert r.returncode == 0, (r.stdout, r.stderr, s.log()[-2000:])
        assert get(s.port)[0] == 200
        assert wait_until(lambda: len(s.workers()) == 2, timeout=10)
    finally:
        s.stop()


def starts(server):
    return server.log().count(" started (pid ")


def test_a_worker_without_a_descriptor_for_epoll_fails_once_and_backs_off(tmp_path):
    s = start(tmp_path, processes=1, env={"REDTEAM_FREE_FDS": "0"}, wait=False)
    try:
        time.sleep(3)
        assert s.proc.poll() is None
        assert "epoll_create1() failed (24: Too many open files)" in s.log()
        assert starts(s) <= 5, f"{starts(s)} forks in 3 s:\n{s.log()[-1500:]}"
    finally:
        s.stop()


def test_a_worker_without_a_descriptor_for_its_thread_pool_fails_in_one_line(tmp_path):
    s = start(tmp_path, "--threads", "4", processes=1, env={"REDTEAM_FREE_FDS": "1"}, wait=False)
    try:
        time.sleep(3)
        assert "eventfd() failed (24: Too many open files)" in s.log(), s.log()[-1500:]
        assert starts(s) <= 5
    finally:
        s.stop()
