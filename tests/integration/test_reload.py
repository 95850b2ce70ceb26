"""Reloading a running site: --reload and SIGHUP (config and code, zero failed requests, safe when the
new code is broken), the other master signals, py-autoreload and touch-reload."""
import concurrent.futures
import http.client
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from harness import BINARY, children_of, free_port, holder_of, pid_alive, plugin_args, plugin_env, wait_entered, wait_until
from rawhttp import RawConnection
from site_dir import get, site, wait_for_body  # noqa: F401 (fixture)


def reload(site):
    result = site.run("--reload", "pid.log")
    assert result.returncode == 0, f"{result.stdout}{result.stderr}\n{site.log()[-3000:]}"
    return result


def test_reload_applies_new_code_and_config_and_keeps_the_master(site):
    site.write_ini(processes="2")
    site.start()
    master = site.master()
    old_workers = site.wait_workers(2)
    site.deploy("v22")
    site.write_ini(processes="3")
    result = reload(site)
    assert "reloaded" in result.stdout and str(master) in result.stdout
    # The command returns once the new workers serve and every old one has stopped accepting: from
    # then on every new connection gets the new code.
    assert all(site.get("/") == (200, "v22 hello") for _ in range(20))
    assert site.master() == master and pid_alive(master)
    new_workers = site.wait_workers(3)
    assert not new_workers & old_workers
    assert wait_until(lambda: not any(pid_alive(p) for p in old_workers), timeout=10)


class Load:
    """Client threads requesting / until stopped; a failed request is any that does not get a 200."""

    def __init__(self, port, threads, keepalive):
        self.port, self.keepalive = port, keepalive
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.ok = 0
        self.retried = 0
        self.failures = []
        self.bodies = set()
        self.pool = concurrent.futures.ThreadPoolExecutor(threads)
        self.futures = [self.pool.submit(self._run_keepalive if keepalive else self._run_close)
                        for _ in range(threads)]

    def _record(self, status, body):
        with self.lock:
            if status == 200:
                self.ok += 1
                self.bodies.add(body)
            else:
                self.failures.append(f"status {status}: {body!r}")

    def _fail(self, what):
        with self.lock:
            self.failures.append(what)

    def _run_close(self, deadline=60):
        end = time.monotonic() + deadline
        while not self.stop.is_set() and time.monotonic() < end:
            try:
                self._record(*get(self.port, "/", timeout=10))
            except OSError as e:
                self._fail(repr(e))

    def _run_keepalive(self, deadline=60):
        end = time.monotonic() + deadline
        conn, reused = None, False
        while not self.stop.is_set() and time.monotonic() < end:
            for attempt in (1, 2):
                if conn is None:
                    conn, reused = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10), False
                try:
                    conn.request("GET", "/")
                    resp = conn.getresponse()
                    body = resp.read().decode()
                except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                    conn.close()
                    conn = None
                    if reused and attempt == 1:
                        # The server closed an idle keep-alive connection as our request went out:
                        # what any HTTP client retries.
                        with self.lock:
                            self.retried += 1
                        continue
                    self._fail(f"{e!r} on a {'reused' if reused else 'new'} connection, attempt {attempt}")
                    break
                except (OSError, http.client.HTTPException) as e:
                    conn.close()
                    conn = None
                    self._fail(repr(e))
                    break
                self._record(resp.status, body)
                if resp.will_close:
                    conn.close()
                    conn = None
                else:
                    reused = True
                break
        if conn is not None:
            conn.close()

    def finish(self):
        self.stop.set()
        for f in self.futures:
            f.result(timeout=30)
        self.pool.shutdown()


@pytest.mark.parametrize("keepalive", [False, True], ids=["connection-close", "keep-alive"])
def test_no_request_fails_through_five_reloads_under_load(site, keepalive):
    site.write_ini(processes="2")
    site.start()
    master = site.master()
    load = Load(site.port, threads=4, keepalive=keepalive)
    try:
        time.sleep(0.3)
        for i in range(5):
            version = "v" + str(i + 2) * (i + 1)  # v2, v33, v444, ...: a different length each time
            site.deploy(version)
            reload(site)
            time.sleep(0.3)
            assert site.get("/")[1] == f"{version} hello"
    finally:
        load.finish()
    assert load.failures == [], f"{len(load.failures)} failed of {load.ok + len(load.failures)}: " \
                                f"{load.failures[:10]}\n{site.log()[-3000:]}"
    assert load.ok >= 200, f"only {load.ok} requests in the run"
    assert {"v1 hello", "v66666 hello"} <= load.bodies
    assert site.master() == master
    print(f"\n{load.ok} requests, {load.retried} retried on reused keep-alive connections")


def test_reload_with_broken_code_is_refused_and_the_old_code_keeps_serving(site):
    site.write_ini(processes="2")
    site.start()
    workers = site.wait_workers(2)
    good = site.app.read_text()
    site.app.write_text(good + "\ndef broken(:\n")
    result = site.run("--reload", "pid.log")
    assert result.returncode == 1
    assert "reload failed" in result.stderr and "previous code keeps serving" in result.stderr, result.stderr
    assert site.get("/") == (200, "v1 hello")
    assert site.wait_workers(2) == workers  # nothing was restarted
    log = site.log()
    assert "SyntaxError" in log and "Traceback" in log, log[-3000:]
    assert "reload refused" in log

    site.app.write_text(good)
    site.deploy("v22")
    reload(site)
    assert wait_for_body(site, "v22 hello", timeout=2) == "v22 hello"


def test_a_reload_check_that_never_finishes_is_killed_and_the_next_reload_runs(site):
    """An import that never returns (a database connect at import time) in the new code: the
    check is killed after worker-reload-mercy and the reload refused, and a reload of the fixed
    code then goes through. Before, the check ran forever and every later reload was swallowed."""
    site.write_ini(processes="1", worker_reload_mercy="3")
    site.start()
    good = site.app.read_text()
    site.app.write_text("import time\ntime.sleep(3600)\n" + good)
    started = time.monotonic()
    result = site.run("--reload", "pid.log")
    assert result.returncode == 1, result.stderr
    assert time.monotonic() - started < 20
    assert "did not finish within 3 s" in result.stderr, result.stderr
    assert site.get("/") == (200, "v1 hello")
    site.app.write_text(good)
    site.deploy("v333")
    reload(site)
    assert wait_for_body(site, "v333 hello", timeout=2) == "v333 hello"


def test_a_reload_that_moves_the_pidfile_is_answered_where_reload_waits(site):
    """The new ini names another pidfile: `--reload OLD` must still hear the outcome (the new
    image answers the reload that started it in the previous image's status file too). Before,
    it waited its 120 s and said the reload failed, though the new code served at once."""
    site.write_ini(processes="1")
    site.start()
    moved = site.root / "moved.pid"
    site.write_ini(processes="1", pidfile=str(moved))
    site.deploy("v4444")
    started = time.monotonic()
    result = site.run("--reload", "pid.log", timeout=60)
    assert result.returncode == 0, f"{result.stdout}{result.stderr}"
    assert time.monotonic() - started < 15
    assert wait_for_body(site, "v4444 hello", timeout=2) == "v4444 hello"
    assert wait_until(lambda: moved.exists() and moved.read_text().strip() == site.pidfile.read_text().strip(), 5)
    assert " ok " in (site.root / "moved.pid.reload").read_text()
    # The next reload is answered at the new place.
    site.deploy("v55555")
    assert site.run("--reload", "moved.pid").returncode == 0
    assert wait_for_body(site, "v55555 hello", timeout=2) == "v55555 hello"


@pytest.mark.parametrize("key", ["pidfile", "logger"])
def test_a_reload_naming_a_directory_as_a_file_is_refused_by_the_check(site, key):
    """pidfile = a directory, logger = file:a directory: the start refuses them, so the reload's
    check must too. Before, the check passed, the new image failed and the master went on
    degraded: the old workers served, but none that exited was ever replaced."""
    site.write_ini(processes="1")
    site.start()
    (worker,) = site.wait_workers(1)
    folder = site.root / "logs"
    folder.mkdir()
    site.write_ini(processes="1", **({"pidfile": str(folder)} if key == "pidfile" else {"logger": f"file:{folder}"}))
    result = site.run("--reload", "pid.log")
    assert result.returncode == 1
    assert f"{key} {folder} is a directory" in result.stderr, result.stderr
    os.kill(worker, signal.SIGKILL)  # this master can still replace a worker
    assert wait_until(lambda: site.workers() and worker not in site.workers(), 10), site.log()[-2000:]
    assert site.get("/") == (200, "v1 hello")


def test_a_reload_after_the_binary_was_removed_says_why(tmp_path):
    """An upgrade removed the binary the master runs: the check cannot even start. The reload is
    refused with that reason (before: "does not load (see above)", and nothing above)."""
    binary = tmp_path / "bin" / "appserver"
    binary.parent.mkdir()
    shutil.copy2(BINARY, binary)
    app, pidfile, log = tmp_path / "app.py", tmp_path / "pid", tmp_path / "log"
    app.write_text("def application(e, s):\n    s('200 OK', [])\n    return [b'old']\n")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"} | plugin_env()
    started = subprocess.run([str(binary), "--http", f"127.0.0.1:{port}", "--wsgi-file", str(app), "--pidfile",
                              str(pidfile), "--daemonize", str(log), "--plugins-dir", str(Path(BINARY).parent / "plugins"),
                              *plugin_args()], cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, timeout=30)
    assert started.returncode == 0, log.read_text()
    master = int(pidfile.read_text())
    pids = {master, *children_of(master)}
    try:
        binary.unlink()
        result = subprocess.run([BINARY, "--reload", str(pidfile)], cwd=tmp_path, capture_output=True, text=True,
                                timeout=30)
        assert result.returncode == 1
        assert "execve" in result.stderr and "cannot run" in result.stderr, result.stderr
        assert get(port) == (200, "old")
    finally:
        pids.update(children_of(master))
        for pid in pids:
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_reload_whose_new_image_cannot_bind_keeps_the_old_workers_serving(site):
    site.write_ini(processes="2")
    site.start()
    master = site.master()
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        busy_port = blocker.getsockname()[1]
        site.write_ini(processes="2", http=[f"127.0.0.1:{site.port}", f"127.0.0.1:{busy_port}"])
        result = site.run("--reload", "pid.log")
        assert result.returncode == 1, result.stdout + result.stderr
        assert "reload failed" in result.stderr
        assert "Address already in use" in result.stderr
        assert site.get("/") == (200, "v1 hello")
        assert site.master() == master
    site.write_ini(processes="2")
    site.deploy("v22")
    reload(site)
    assert wait_for_body(site, "v22 hello", timeout=2) == "v22 hello"
    site.wait_workers(2)


def test_sighup_reloads_like_the_reload_command(site):
    site.write_ini(processes="2")
    site.start()
    master = site.master()
    old_workers = site.wait_workers(2)
    site.deploy("v22")
    os.kill(master, signal.SIGHUP)
    assert wait_for_body(site, "v22 hello") == "v22 hello"
    assert site.master() == master
    assert wait_until(lambda: not set(site.workers()) & old_workers and len(site.workers()) == 2, timeout=10)


def test_sigterm_lets_in_flight_requests_finish(site):
    site.write_ini(processes="2")
    site.start()
    master = site.master()
    workers = site.wait_workers(2)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        slow = pool.submit(site.get, "/sleep?2")
        wait_entered(site.root)
        os.kill(master, signal.SIGTERM)
        assert slow.result(timeout=10)[0] == 200
    assert wait_until(lambda: not pid_alive(master), timeout=10)
    assert not any(pid_alive(p) for p in workers)
    assert not site.pidfile.exists()  # vacuum


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGQUIT], ids=["SIGINT", "SIGQUIT"])
def test_sigint_and_sigquit_stop_at_once(site, sig):
    site.write_ini(processes="2")
    site.start()
    master = site.master()
    workers = site.wait_workers(2)
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        slow = pool.submit(site.get, "/sleep?20", 30)
        wait_entered(site.root)
        started = time.monotonic()
        os.kill(master, sig)
        assert wait_until(lambda: not pid_alive(master), timeout=10)
        took = time.monotonic() - started
        with pytest.raises((OSError, http.client.HTTPException)):
            slow.result(timeout=10)  # cut off, not answered
    assert took < 5, f"immediate stop took {took:.1f}s"
    assert not any(pid_alive(p) for p in workers)


def test_sigttin_and_sigttou_add_and_remove_a_worker(site):
    site.write_ini(processes="2")
    site.start()
    master = site.master()
    two = site.wait_workers(2)
    os.kill(master, signal.SIGTTIN)
    three = site.wait_workers(3)
    assert two < three
    os.kill(master, signal.SIGTTOU)
    assert site.wait_workers(2) == two  # the newest goes
    os.kill(master, signal.SIGTTOU)
    site.wait_workers(1)
    os.kill(master, signal.SIGTTOU)  # never below one
    time.sleep(0.5)
    site.wait_workers(1)
    assert all(site.get("/pid")[0] == 200 for _ in range(5))
    os.kill(master, signal.SIGTTIN)
    site.wait_workers(2)


def test_py_autoreload_picks_up_the_wsgi_file_and_modules_it_imports(site):
    site.write_ini(processes="2", py_autoreload="1")
    site.start()
    master = site.master()
    assert site.get("/") == (200, "v1 hello")
    site.deploy("v22")
    assert wait_for_body(site, "v22 hello", timeout=8) == "v22 hello"
    site.helper.write_text('GREETING = "howdy, partner"\n')
    assert wait_for_body(site, "v22 howdy, partner", timeout=8) == "v22 howdy, partner"
    assert site.master() == master
    assert "changed" in site.log()


def test_py_autoreload_under_lazy_apps_picks_up_an_imported_module(site):
    site.write_ini(processes="1", py_autoreload="1", lazy_apps="true")
    site.start()
    assert site.get("/") == (200, "v1 hello")
    site.helper.write_text('GREETING = "howdy, partner"\n')
    assert wait_for_body(site, "v1 howdy, partner", timeout=5) == "v1 howdy, partner"


def test_touch_reload(site):
    trigger = site.root / "reload.trigger"
    trigger.write_text("")
    site.write_ini(processes="2", touch_reload=str(trigger))
    site.start()
    old_workers = site.wait_workers(2)
    site.deploy("v22")
    time.sleep(1.5)
    assert site.get("/") == (200, "v1 hello")  # editing the code alone does nothing without autoreload
    os.utime(trigger)
    assert wait_for_body(site, "v22 hello", timeout=8) == "v22 hello"
    assert wait_until(lambda: not set(site.workers()) & old_workers and len(site.workers()) == 2, timeout=10)
    assert f"{trigger} touched" in site.log()


def test_a_connection_whose_request_is_still_on_its_way_survives_a_reload(site):
    """Accepted by an old worker just before the reload, its request sent just after: answered."""
    site.write_ini(processes="1")
    site.start()
    [old_worker] = site.wait_workers(1)
    early = RawConnection(site.port)
    # The first bytes make the old worker accept it (TCP_DEFER_ACCEPT holds silent connections in the queue).
    early.send(b"GET / HT")
    assert wait_until(lambda: holder_of(early.sock, [old_worker]) == old_worker, timeout=5), "never accepted"
    reload(site)
    early.send(b"TP/1.1\r\nHost: x\r\n\r\n")
    try:
        assert early.read_response().status == 200
    finally:
        early.close()
