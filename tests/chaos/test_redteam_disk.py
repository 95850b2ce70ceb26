"""The full disk: a log file, the pidfile and the reload status file on a 64 KiB tmpfs that fills up.
The site must keep serving (log lines may be lost), and the control verbs must answer, not hang."""
import http.client
import os
import subprocess
import time
from pathlib import Path

import pytest

from harness import APPS, BINARY, Server, free_port, run_cli, wait_until


@pytest.fixture
def small_disk(sock_dir):
    """A 64 KiB tmpfs (root only); fill(disk) takes every free block, free(disk) gives them back."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = Path(sock_dir) / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def fill(disk):
    with open(disk / "filler", "ab", buffering=0) as f:
        try:
            for _ in range(64):
                f.write(b"\0" * 4096)
        except OSError:
            pass
    assert os.statvfs(disk).f_bfree == 0


def free(disk):
    (disk / "filler").unlink(missing_ok=True)


def get(port, path="/", timeout=10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def start(tmp_path, *extra, processes=2):
    port = free_port()
    s = Server(["--http", f"127.0.0.1:{port}", "--wsgi-file", str(APPS / "redteam_app.py"),
                "--processes", str(processes), *extra], tmp_path, port=port)
    s.start()
    s.wait_workers(processes)
    return s


def test_a_full_log_disk_loses_lines_but_not_requests(tmp_path, small_disk):
    """Access log, wsgi.errors and the server's own lines all go to a log file on a full disk."""
    log = small_disk / "app.log"
    s = start(tmp_path, "--logto", str(log), "--threads", "2")
    try:
        assert wait_until(lambda: log.exists() and "serving" in log.read_text())
        workers = set(s.workers())
        fill(small_disk)
        statuses = []
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            for path in ("/", "/errors", "/none"):
                statuses.append((path, get(s.port, path)[0]))
        assert all(status == (500 if path == "/none" else 200) for path, status in statuses), statuses
        assert len(statuses) > 30
        assert s.proc.poll() is None and set(s.workers()) == workers  # nothing crashed or respawned
        # Space comes back: so do the log lines, after one line saying how many were lost and why.
        free(small_disk)
        get(s.port, "/?after-the-full-disk")
        assert wait_until(lambda: "/?after-the-full-disk" in log.read_text(errors="replace"))
        text = log.read_text(errors="replace")
        lost = "log line(s) lost: write() failed (28: No space left on device)"
        assert lost in text and text.index(lost) < text.index("/?after-the-full-disk"), text[-1500:]
        assert len(text.split(lost)) <= 3  # once per process that lost lines (two workers at most)
    finally:
        s.stop()


def test_pidfile_on_a_full_disk_at_start_fails_in_one_line_and_leaves_nothing(tmp_path, small_disk):
    fill(small_disk)
    pidfile = small_disk / "app.pid"
    started = time.monotonic()
    r = run_cli(["--http", f"127.0.0.1:{free_port()}", "--wsgi-file", str(APPS / "redteam_app.py"),
                 "--pidfile", str(pidfile)], cwd=tmp_path, timeout=30)
    assert time.monotonic() - started < 20
    assert r.returncode == 1
    last = r.stderr.strip().splitlines()[-1]
    assert last.startswith("appserver: pidfile ") and str(pidfile) in last and "No space left on device" in last, r.stderr
    assert sorted(p.name for p in small_disk.iterdir()) == ["filler"]


def test_a_start_that_fails_after_binding_removes_its_unix_socket(tmp_path, small_disk, sock_dir):
    fill(small_disk)
    sock = Path(sock_dir) / "app.sock"
    r = run_cli(["--socket", str(sock), "--wsgi-file", str(APPS / "redteam_app.py"),
                 "--pidfile", str(small_disk / "app.pid")], cwd=tmp_path, timeout=30)
    assert r.returncode == 1
    assert not sock.exists()


def reload(pidfile):
    started = time.monotonic()
    r = subprocess.run([BINARY, "--reload", str(pidfile)], capture_output=True, text=True, timeout=150)
    return r, time.monotonic() - started


def test_reload_on_a_full_disk_answers_at_once(tmp_path, small_disk):
    """No status file yet and no block to write one in: --reload says so instead of waiting 120 s
    for an answer the master cannot write; with a status file from an earlier reload, the master
    writes its answer over the old one and --reload reports the reload."""
    pidfile = small_disk / "app.pid"
    s = start(tmp_path, "--pidfile", str(pidfile))
    try:
        fill(small_disk)
        r, took = reload(pidfile)
        assert took < 20 and r.returncode == 1, (took, r.stdout, r.stderr)
        assert "no space left" in r.stderr
        assert get(s.port)[0] == 200
        # Room for a first reload; the next one comes on a full disk again.
        free(small_disk)
        r, took = reload(pidfile)
        assert r.returncode == 0, (r.stdout, r.stderr, s.log()[-2000:])
        fill(small_disk)
        r, took = reload(pidfile)
        assert took < 60 and r.returncode == 0, (took, r.stdout, r.stderr, s.log()[-2000:])
        assert "reloaded: generation 2" in r.stdout
        assert get(s.port)[0] == 200
    finally:
        s.stop()


def test_a_log_file_at_the_file_size_limit_loses_lines_not_workers(tmp_path):
    """ulimit -f (systemd LimitFSIZE=): the log file cannot grow past the limit."""
    import resource
    log = tmp_path / "app.log"
    port = free_port()
    s = Server(["--http", f"127.0.0.1:{port}", "--wsgi-file", str(APPS / "redteam_app.py"), "--processes", "1",
                "--logto", str(log)], tmp_path, port=port,
               preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096)))
    s.start()
    try:
        s.wait_workers(1)
        def pid():
            try:
                return get(port, "/pid", timeout=3)[1]
            except OSError as e:  # a worker killed in the middle of the request
                return repr(e)

        before = {pid() for _ in range(200) if log.stat().st_size < 4096}
        assert log.stat().st_size >= 4096
        after = {pid() for _ in range(10)}
        assert len(before | after) == 1, f"{len(before | after)} workers (or failures) after the log reached the limit"
    finally:
        s.stop()


def test_reload_on_a_read_only_file_system_answers_at_once(tmp_path, small_disk):
    """ext4 remounts itself read-only after disk errors: the status file cannot be written at all."""
    pidfile = small_disk / "app.pid"
    s = start(tmp_path, "--pidfile", str(pidfile))
    try:
        r, _ = reload(pidfile)
        assert r.returncode == 0, r.stderr  # a status file exists now: not even that helps
        assert subprocess.run(["mount", "-o", "remount,ro", str(small_disk)]).returncode == 0
        r, took = reload(pidfile)
        assert took < 20 and r.returncode == 1, (took, r.stdout, r.stderr)
        assert "read-only" in r.stderr
        assert get(s.port)[0] == 200
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)])
        s.stop()


def test_daemonize_without_room_for_the_log_file_fails_in_the_shell(tmp_path, small_disk):
    if subprocess.run(["mount", "-o", "remount,nr_inodes=1", str(small_disk)], capture_output=True).returncode != 0:
        pytest.skip("cannot limit the tmpfs's inodes")
    log = small_disk / "app.log"
    r = run_cli(["--http", f"127.0.0.1:{free_port()}", "--wsgi-file", str(APPS / "redteam_app.py"),
                 "--daemonize", str(log)], cwd=tmp_path, timeout=30)
    assert r.returncode == 1
    assert r.stderr.strip().splitlines()[-1] == f'appserver: log file: open("{log}") failed (28: No space left on device)'
