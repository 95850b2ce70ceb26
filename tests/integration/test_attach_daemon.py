"""attach-daemon and its variants (issue 13, docs/processes.md): commands the master runs beside the
workers, restarted when they die (with back-off when they die at once), stopped with the server, and
for the smart variants followed through a pidfile, across a reload too."""
import os
import re
import signal
import sys

import pytest

from harness import APPS, pid_alive, run_cli, wait_until
from site_dir import get

JOB = f"exec {sys.executable} {APPS / 'daemon_job.py'}"


def events(path):
    try:
        return [line.split() for line in path.read_text().splitlines()]
    except OSError:
        return []


def started(path):
    return [int(pid) for what, pid in events(path) if what == "started"]


def test_a_daemon_is_restarted_after_kill_9_and_stopped_with_the_server(serve, tmp_path):
    record = tmp_path / "jobs.txt"
    s = serve("lifecycle.py", "--attach-daemon", f"{JOB} {record}", "--worker-reload-mercy", "5")
    assert wait_until(lambda: len(started(record)) == 1, 10), s.log()
    assert get(s.port, "/pid")[0] == 200
    first = started(record)[0]
    os.kill(first, signal.SIGKILL)
    assert wait_until(lambda: len(started(record)) == 2, 10), s.log()
    second = started(record)[1]
    assert second != first and pid_alive(second)
    assert re.search(r'attach-daemon ".*daemon_job.py.*" \(pid \d+\) killed by signal 9: starting it again', s.log())
    s.signal(signal.SIGTERM)  # graceful stop: the daemon gets SIGTERM and the master waits for it
    assert s.wait(timeout=15) == 0
    assert ["stopped", str(second)] in events(record), s.log()
    assert not pid_alive(second)


def test_a_daemon_that_dies_at_once_is_restarted_with_back_off(serve, tmp_path):
    starts = tmp_path / "starts.txt"
    s = serve("lifecycle.py", "--attach-daemon", f"echo start >> {starts}; exit 3")
    assert wait_until(lambda: starts.exists(), 10)
    # Back-off from 250 ms doubling: about 4 starts in 3 s where a tight loop would make thousands.
    wait_until(lambda: False, 3)
    count = len(starts.read_text().splitlines())
    assert 2 <= count <= 8, count
    assert "keeps ending at start" in s.log()
    assert get(s.port, "/pid")[0] == 200


def test_a_daemon_that_ignores_sigterm_is_killed_after_the_mercy(serve, tmp_path):
    record = tmp_path / "jobs.txt"
    s = serve("lifecycle.py", "--attach-daemon", f"{JOB} {record} ignore-term", "--worker-reload-mercy", "2")
    assert wait_until(lambda: len(started(record)) == 1, 10), s.log()
    pid = started(record)[0]
    s.signal(signal.SIGTERM)
    assert s.wait(timeout=15) == 0
    assert not pid_alive(pid)
    assert "did not stop in time: killing it" in s.log()


def test_dumb_daemon_restarts_and_smart_daemon_is_adopted_across_a_reload(serve, tmp_path):
    dumb, smart = tmp_path / "dumb.txt", tmp_path / "smart.txt"
    pidfile = tmp_path / "smart.pid"
    s = serve("lifecycle.py", "--attach-daemon", f"{JOB} {dumb}",
              "--smart-attach-daemon2", f"{pidfile} {JOB} {smart}")
    try:
        assert wait_until(lambda: len(started(dumb)) == 1 and len(started(smart)) == 1, 10), s.log()
        assert wait_until(lambda: pidfile.exists() and pidfile.read_text().strip(), 5)
        smart_pid = int(pidfile.read_text())
        assert smart_pid == started(smart)[0]
        s.signal(signal.SIGHUP)
        # uWSGI's semantics: the dumb daemon is stopped and the new image starts it again; the smart
        # one keeps running and the new image finds it through its pidfile.
        assert wait_until(lambda: len(started(dumb)) == 2, 20), s.log()
        assert ["stopped", str(started(dumb)[0])] in events(dumb)
        assert wait_until(lambda: "adopted" in s.log(), 10), s.log()
        assert started(smart) == [smart_pid] and pid_alive(smart_pid)
        # Followed through the pidfile: killed, it is started again and the pidfile names the new one.
        os.kill(smart_pid, signal.SIGKILL)
        assert wait_until(lambda: len(started(smart)) == 2, 10), s.log()
        assert wait_until(lambda: pidfile.read_text().strip() == str(started(smart)[1]), 5)
        assert get(s.port, "/pid")[0] == 200
    finally:
        for pid in started(smart):
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_the_master_keeps_supervising_while_a_reload_waits_for_a_daemon(serve, tmp_path):
    """A reload stops the attached daemons before the re-exec and gives them worker-reload-mercy (30 s
    at most). The master's loop goes on meanwhile: the only worker, killed during that wait, is
    replaced at once instead of leaving the site unanswered until the wait is over."""
    record = tmp_path / "jobs.txt"
    s = serve("lifecycle.py", "--processes", "1", "--attach-daemon", f"{JOB} {record} ignore-term",
              "--worker-reload-mercy", "8")
    assert wait_until(lambda: len(started(record)) == 1, 10), s.log()
    daemon = started(record)[0]
    status, worker = get(s.port, "/pid")
    assert status == 200
    s.signal(signal.SIGHUP)
    assert wait_until(lambda: "for the reload" in s.log(), 10), s.log()
    os.kill(int(worker), signal.SIGKILL)
    status, body = get(s.port, "/pid", timeout=4)
    assert status == 200 and body != worker, s.log()
    assert pid_alive(daemon) and "did not stop for the reload" not in s.log()  # still the reload's wait
    # The wait ends: the daemon is killed, the new image serves and starts it again.
    assert wait_until(lambda: len(started(record)) == 2, 20), s.log()
    assert "did not stop for the reload in time: killing it" in s.log()
    assert get(s.port, "/pid")[0] == 200


def test_a_stop_during_the_reloads_wait_for_a_daemon_stops_instead_of_reloading(serve, tmp_path):
    record = tmp_path / "jobs.txt"
    s = serve("lifecycle.py", "--attach-daemon", f"{JOB} {record} ignore-term", "--worker-reload-mercy", "4")
    assert wait_until(lambda: len(started(record)) == 1, 10), s.log()
    s.signal(signal.SIGHUP)
    assert wait_until(lambda: "for the reload" in s.log(), 10), s.log()
    s.signal(signal.SIGTERM)
    assert s.wait(timeout=15) == 0
    assert "starting generation 1" not in s.log()
    assert not pid_alive(started(record)[0])


@pytest.mark.parametrize("key,value", [("attach-daemon2", "freq=3"), ("smart-attach-daemon", "/tmp/only.pid"),
                                       ("attach-daemon2", "cmd=x,legion=a")])
def test_a_malformed_daemon_is_refused_at_start(tmp_path, key, value):
    (tmp_path / "x.py").write_text("def application(e, s):\n    return []\n")
    r = run_cli(["--http", "127.0.0.1:0", "--wsgi-file", "x.py", f"--{key}", value], cwd=tmp_path)
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0], r.stderr
