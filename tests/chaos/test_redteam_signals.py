"""Signals at the worst moment, under load: a storm of SIGHUPs, SIGTERM in the middle of a reload,
SIGKILL of a worker in the middle of a response, the master stopped (SIGSTOP) for 3 s."""
import http.client
import os
import signal
import socket
import threading
import time

import pytest

from harness import APPS, Server, children_of, free_port, holder_of, pid_alive, run_cli, wait_until
from site_dir import get


_started = []


@pytest.fixture(autouse=True)
def stop_every_server():
    """Every server a test here started is stopped (and its processes killed by pid), also on failure."""
    yield
    while _started:
        _started.pop().stop()


def start(tmp_path, app="redteam_app.py", *extra, processes=2, env=None):
    port = free_port()
    s = Server(["--http", f"127.0.0.1:{port}", "--wsgi-file", str(APPS / app), "--processes", str(processes),
                "--worker-reload-mercy", "10", *extra], tmp_path, port=port, env=env)
    _started.append(s)
    s.start()
    s.wait_workers(processes)
    return s


class Load:
    """Client threads, half on keep-alive connections and half with Connection: close. A request
    that fails on a reused keep-alive connection before any byte of the answer arrived is retried
    once on a new connection, as browsers and urllib3 do (the server may close an idle keep-alive
    connection at any moment, RFC 9112 §9.5); any other failure counts."""

    def __init__(self, port, threads=4, path="/"):
        self.port, self.path = port, path
        self.stop = threading.Event()
        self.ok = 0
        self.failures = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(i % 2 == 0,), daemon=True) for i in range(threads)]
        for t in self.threads:
            t.start()

    def _once(self, conn, close):
        conn.request("GET", self.path, headers={"Connection": "close"} if close else {})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200 or body != b"hello":
            raise AssertionError(f"status {resp.status} body {body[:100]!r}")

    def _run(self, keep_alive):
        end = time.monotonic() + 60
        conn = None
        while not self.stop.is_set() and time.monotonic() < end:
            reused = conn is not None
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                self._once(conn, close=not keep_alive)
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as e:
                conn.close()
                conn = None
                if not reused:
                    self._fail(e)
                    continue
                try:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                    self._once(conn, close=not keep_alive)
                except Exception as again:  # noqa: BLE001
                    self._fail(again)
                    conn.close()
                    conn = None
                    continue
            except Exception as e:  # noqa: BLE001
                self._fail(e)
                conn.close()
                conn = None
                continue
            with self.lock:
                self.ok += 1
            if not keep_alive:
                conn.close()
                conn = None
        if conn is not None:
            conn.close()

    def _fail(self, e):
        with self.lock:
            self.failures.append(repr(e))

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=20)


def settled(s, count):
    """Exactly `count` live children of the master: no old generation, retiree or check left."""
    kids = [p for p in children_of(s.pid) if pid_alive(p)]
    return len(kids) == count


def test_a_storm_of_sighups_under_load_fails_no_request_and_leaves_no_old_generation(tmp_path):
    s = start(tmp_path)
    load = Load(s.port)
    try:
        assert wait_until(lambda: load.ok > 20, timeout=10)
        for _ in range(10):
            os.kill(s.pid, signal.SIGHUP)
            time.sleep(0.2)
            assert s.proc.poll() is None, s.log()[-3000:]
        time.sleep(0.5)
    finally:
        load.finish()
    assert load.failures == [], f"{len(load.failures)} failed of {load.ok}: {load.failures[:5]}\n{s.log()[-3000:]}"
    assert wait_until(lambda: settled(s, 2), timeout=40), f"{children_of(s.pid)}\n{s.log()[-3000:]}"
    assert "generation" in s.log()
    assert s.proc.poll() is None


def test_sigterm_in_the_middle_of_a_reload_stops_everything(tmp_path):
    """SIGTERM while the reload check imports the app, and while the re-executed master does: the
    master stops, with its workers, its check and its previous generation."""
    for delay in (0.3, 1.6):
        marks = tmp_path / f"imports-{delay}.log"
        pidfile = tmp_path / f"app-{delay}.pid"
        s = start(tmp_path, "signals_slow_import.py", "--pidfile", str(pidfile), "--vacuum",
                  env={"SIGNALS_IMPORT_LOG": str(marks), "SIGNALS_IMPORT_SLEEP": "1"})
        try:
            known = set(s.workers())
            os.kill(s.pid, signal.SIGHUP)
            deadline = time.monotonic() + delay
            while time.monotonic() < deadline:
                known.update(children_of(s.pid))
                time.sleep(0.02)
            os.kill(s.pid, signal.SIGTERM)
            assert s.wait(timeout=30) == 0, s.log()[-3000:]
            assert wait_until(lambda: not any(pid_alive(p) for p in known), timeout=10), \
                (delay, [p for p in known if pid_alive(p)], s.log()[-3000:])
            assert not pidfile.exists()
        finally:
            s.stop()


def test_sigkill_of_a_worker_mid_response_cuts_that_client_only(tmp_path):
    s = start(tmp_path)
    load = Load(s.port, threads=2)
    try:
        client = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        client.sendall(b"GET /endless HTTP/1.1\r\nHost: x\r\n\r\n")
        got = client.recv(65536)
        assert got.startswith(b"HTTP/1.1 200")
        holder = holder_of(client, s.workers())
        assert holder is not None
        os.kill(holder, signal.SIGKILL)
        deadline = time.monotonic() + 10
        try:
            while time.monotonic() < deadline:
                chunk = client.recv(1 << 20)
                if not chunk:
                    break
                got = got[-16:] + chunk
        except ConnectionResetError:
            got = b""
        client.close()
        assert time.monotonic() < deadline, "the connection of the killed worker stayed open"
        assert not got.endswith(b"0\r\n\r\n")  # cut short: never a clean end of the chunked body
        assert wait_until(lambda: settled(s, 2) and holder not in s.workers(), timeout=5), s.log()[-2000:]
        time.sleep(0.5)
    finally:
        load.finish()
    assert load.failures == [], load.failures[:5]
    assert load.ok > 0


def test_a_stopped_master_does_not_stop_the_site(tmp_path):
    s = start(tmp_path)
    workers = set(s.workers())
    load = Load(s.port)
    try:
        assert wait_until(lambda: load.ok > 10, timeout=10)
        os.kill(s.pid, signal.SIGSTOP)
        try:
            before = load.ok
            time.sleep(3)
            served_while_stopped = load.ok - before
        finally:
            os.kill(s.pid, signal.SIGCONT)
        time.sleep(1.5)
    finally:
        load.finish()
    assert served_while_stopped > 20
    assert load.failures == [], load.failures[:5]
    assert set(s.workers()) == workers and s.proc.poll() is None


@pytest.mark.parametrize("verb", ["--stop", "--reload", "--reopen-logs"])
def test_control_commands_against_a_stopped_master_answer_at_once(tmp_path, verb):
    """A SIGSTOPped master cannot act on the signal: the command says so instead of waiting 120 s."""
    pidfile = tmp_path / "pid.log"
    s = start(tmp_path, "redteam_app.py", "--pidfile", str(pidfile), processes=1)
    try:
        assert wait_until(pidfile.exists, timeout=5)
        os.kill(s.pid, signal.SIGSTOP)
        try:
            # SIGSTOP takes effect when the kernel next schedules the master: wait for state T.
            assert wait_until(lambda: open(f"/proc/{s.pid}/stat").read().rsplit(") ", 1)[1][0] == "T", timeout=5)
            started = time.monotonic()
            result = run_cli([verb, str(pidfile)], timeout=30)
            took = time.monotonic() - started
        finally:
            os.kill(s.pid, signal.SIGCONT)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "is stopped (SIGSTOP or a debugger)" in result.stderr and f"kill -CONT {s.pid}" in result.stderr
        assert took < 10
        assert s.proc.poll() is None  # nothing was sent: the resumed master goes on serving
        assert get(s.port)[0] == 200
    finally:
        s.stop()
