"""Badly timed and unexpected signals, retiring workers and failed reloads must not take the site down
(issue 8, items 14-18)."""
import http.client
import os
import signal
import threading
import time


from harness import pid_alive, wait_until
from site_dir import get, site  # noqa: F401  (site: fixture)


class Load:
    """A few client threads requesting / until stopped (light load, to keep the master busy forking)."""

    def __init__(self, port, threads=2):
        self.port = port
        self.stop = threading.Event()
        self.ok = 0
        self.threads = [threading.Thread(target=self._run) for _ in range(threads)]
        for t in self.threads:
            t.start()

    def _run(self):
        end = time.monotonic() + 60
        while not self.stop.is_set() and time.monotonic() < end:
            try:
                if get(self.port, timeout=5)[0] == 200:
                    self.ok += 1
            except (OSError, http.client.HTTPException):
                pass

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=15)


def test_sigttou_right_after_sigttin_never_stops_the_master(serve):
    """The SIGTERM for a worker forked a moment ago must not reach the master's self-pipe through the
    child's copy of the master's handler (nginx blocks signals across fork; Unicorn checks the pid)."""
    s = serve("signals_crash.py", "--processes", "1")
    s.wait_workers(1)
    load = Load(s.port)
    try:
        for trial in range(15):
            os.kill(s.pid, signal.SIGTTIN)
            time.sleep((trial % 4) * 0.0005)  # land in the master's fork at varying points
            os.kill(s.pid, signal.SIGTTOU)
            # Both handled before the next pair: two pending SIGTTINs would be one (POSIX signals do
            # not queue), and the worker count could never come back to 1.
            handled = trial + 1
            assert wait_until(lambda: s.log().count("master got SIGTTIN") == handled and
                              s.log().count("master got SIGTTOU") == handled, timeout=10), s.log()[-3000:]
            assert wait_until(lambda: len(s.workers()) == 1, timeout=10), s.log()[-3000:]
            assert s.proc.poll() is None, f"the master stopped at trial {trial}:\n{s.log()[-3000:]}"
    finally:
        load.finish()
    assert "master got SIGTERM" not in s.log()
    assert get(s.port)[0] == 200
    assert load.ok > 0


IGNORED = [signal.SIGUSR2, signal.SIGALRM, signal.SIGVTALRM, signal.SIGPROF, signal.SIGIO, signal.SIGPWR,
           signal.SIGSTKFLT, signal.SIGXCPU, signal.SIGXFSZ, signal.SIGURG, signal.SIGWINCH, signal.SIGCONT]
IGNORED += list(range(signal.SIGRTMIN, signal.SIGRTMAX + 1))


def test_every_signal_without_a_meaning_leaves_the_master_serving(serve):
    s = serve("signals_crash.py", "--processes", "2")
    workers = set(s.wait_workers(2))
    load = Load(s.port)
    try:
        for sig in IGNORED:
            os.kill(s.pid, sig)
            time.sleep(0.02)
            assert s.proc.poll() is None, f"the master died of signal {sig}:\n{s.log()[-2000:]}"
        time.sleep(0.3)
        assert s.proc.poll() is None
    finally:
        load.finish()
    assert get(s.port)[0] == 200
    assert set(s.workers()) == workers  # nothing was restarted either
    assert load.ok > 0


def import_marks(path, what, pid):
    try:
        return path.read_text().split("\n").count(f"{what} {pid}")
    except OSError:
        return 0


def test_sigterm_during_the_app_import_stops_cleanly_and_removes_the_pidfile(serve, tmp_path):
    marks, pidfile = tmp_path / "imports.log", tmp_path / "app.pid"
    s = serve("signals_slow_import.py", "--pidfile", str(pidfile),
              env={"SIGNALS_IMPORT_LOG": str(marks), "SIGNALS_IMPORT_SLEEP": "2"})
    assert wait_until(lambda: import_marks(marks, "start", s.pid) == 1, timeout=10)
    assert pidfile.exists()
    os.kill(s.pid, signal.SIGTERM)
    assert s.wait(timeout=20) == 0, s.log()[-2000:]
    assert import_marks(marks, "done", s.pid) == 1  # the import finished; then the master stopped
    assert not pidfile.exists()
    assert s.workers() == []


def test_signals_during_a_reload_are_kept_and_a_second_reload_follows(serve, tmp_path):
    """A --reload, a --reopen-logs and a SIGUSR2 while the re-executed master imports the app: the
    master lives, the second reload runs after the first, and the site serves throughout."""
    from harness import run_cli
    marks, pidfile = tmp_path / "imports.log", tmp_path / "app.pid"
    s = serve("signals_slow_import.py", "--pidfile", str(pidfile), "--processes", "2",
              env={"SIGNALS_IMPORT_LOG": str(marks), "SIGNALS_IMPORT_SLEEP": "1.5"})
    assert wait_until(lambda: "serving" in s.log(), timeout=15)
    load = Load(s.port)
    try:
        os.kill(s.pid, signal.SIGHUP)
        # The re-executed image is importing the app (its second import in the master's pid).
        assert wait_until(lambda: import_marks(marks, "start", s.pid) == 2, timeout=15), s.log()[-2000:]
        assert import_marks(marks, "done", s.pid) == 1
        assert run_cli(["--reopen-logs", str(pidfile)], cwd=tmp_path).returncode == 0
        os.kill(s.pid, signal.SIGUSR2)
        second = run_cli(["--reload", str(pidfile)], cwd=tmp_path, timeout=60)
        assert second.returncode == 0, second.stdout + second.stderr + s.log()[-3000:]
        # One more reload after the first: a third import in the master's pid, and it serves.
        assert wait_until(lambda: import_marks(marks, "done", s.pid) == 3, timeout=30), s.log()[-3000:]
        assert wait_until(lambda: "generation 2" in s.log(), timeout=15), s.log()[-3000:]
        assert s.proc.poll() is None
        assert wait_until(lambda: "retiring" in s.log().split("generation 2", 1)[1], timeout=15)
    finally:
        load.finish()
    assert s.proc.poll() is None
    assert get(s.port)[0] == 200
    assert load.ok > 0


def test_a_recycled_worker_stuck_in_finalize_is_replaced_at_once_and_killed_after_the_mercy(serve):
    """Each worker starts a non-daemon thread that never ends, so a recycling worker never exits by
    itself (Py_Finalize waits for the thread). With one process, every request after the recycle hung."""
    s = serve("signals_thread.py", "--processes", "1", "--max-requests", "2", "--worker-reload-mercy", "2")
    s.wait_workers(1)
    pids = []
    started = time.monotonic()
    for _ in range(8):
        status, body = get(s.port, timeout=10)
        assert status == 200, body
        pids.append(int(body))
    took = time.monotonic() - started
    # Two requests per worker (a third may ride along: a recycling worker takes the connections
    # already queued for it before it stops accepting).
    assert len(set(pids)) >= 3, pids
    retired = set(pids) - {pids[-1]}
    assert wait_until(lambda: not any(pid_alive(p) for p in retired), timeout=2 + 8), s.log()[-3000:]
    assert "still running after worker-reload-mercy (2 s): killing it" in s.log()
    assert took < 6, f"8 requests took {took:.1f}s"
    assert s.proc.poll() is None


def test_a_reload_that_cannot_bind_is_refused_and_the_master_keeps_replacing_workers(site):
    """The new configuration adds an http port someone else holds: --reload exits 1 naming the
    address, and the running master (not a degraded image without an app) keeps respawning workers."""
    import socket
    site.write_ini(processes="1")
    site.start()
    master = site.master()
    [worker] = site.wait_workers(1)
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        busy = f"127.0.0.1:{blocker.getsockname()[1]}"
        site.write_ini(processes="1", http=[f"127.0.0.1:{site.port}", busy])
        result = site.run("--reload", "pid.log")
        assert result.returncode == 1, result.stdout + result.stderr
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert busy in result.stderr and "Address already in use" in result.stderr, result.stderr
        assert site.get("/")[0] == 200
        os.kill(worker, signal.SIGKILL)  # a worker dies after the failed reload: it must be replaced
        assert wait_until(lambda: not pid_alive(worker), timeout=5)
        [fresh] = site.wait_workers(1)
        assert fresh != worker
        assert site.get("/")[0] == 200
        assert site.master() == master
    site.write_ini(processes="2")
    site.deploy("v22")
    result = site.run("--reload", "pid.log")
    assert result.returncode == 0, result.stdout + result.stderr + site.log()[-3000:]
    assert site.get("/") == (200, "v22 hello")
    site.wait_workers(2)


def test_workers_of_the_previous_generation_stuck_in_finalize_are_killed_after_the_mercy(serve, tmp_path):
    """Old generations piled up across reloads: each retired worker waited forever for its thread."""
    s = serve("signals_thread.py", "--processes", "2", "--worker-reload-mercy", "2",
              "--pidfile", str(tmp_path / "app.pid"))
    generations = []
    for reload in range(2):
        workers = set(s.wait_workers(2))
        for _ in range(6):  # start the endless thread in both workers (connections spread over them)
            assert get(s.port)[0] == 200
        generations.append(workers)
        os.kill(s.pid, signal.SIGHUP)
        assert wait_until(lambda: not set(s.workers()) & workers, timeout=2 + 10), s.log()[-3000:]
    assert s.proc.poll() is None
    assert not any(pid_alive(p) for g in generations for p in g)
    assert len(s.wait_workers(2)) == 2
    assert get(s.port)[0] == 200
