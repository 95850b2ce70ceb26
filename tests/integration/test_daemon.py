"""Running as a daemon from a uwsgi.ini: daemonize, logto, pidfile, vacuum, --stop, --reopen-logs."""
import concurrent.futures
import os
import signal
import socket
import subprocess
import time

import pytest
import requests

from harness import APPS, Server, free_port, pid_alive, wait_entered, wait_until
from site_dir import bystander, dead_pid, session_id, site  # noqa: F401 (fixtures)


def test_daemonize_detaches_and_serves_as_soon_as_the_command_returns(site):
    site.start()
    status, body = site.get("/")  # no waiting: the command returned only once the master serves
    assert (status, body) == (200, "v1 hello")

    master = site.master()
    assert pid_alive(master)
    assert os.getppid() != master
    assert session_id(master) == master  # its own session: no controlling terminal to lose
    assert os.getsid(master) == master
    assert os.readlink(f"/proc/{master}/fd/0") == "/dev/null"
    assert os.readlink(f"/proc/{master}/fd/1") == str(site.logfile)
    assert os.readlink(f"/proc/{master}/fd/2") == str(site.logfile)
    assert f"master pid {master}" in site.log()
    site.wait_workers(4)


def test_daemonize_appends_to_the_log(site):
    site.logfile.write_text("an earlier line\n")
    site.start()
    assert site.log().startswith("an earlier line\n")
    assert "listening on" in site.log()


@pytest.mark.parametrize("breakage, expected", [
    ("bad-config", "processes"),
    ("import-error", "No module named"),
    ("port-in-use", "Address already in use"),
])
def test_a_failed_daemonized_start_reports_in_the_shell(site, breakage, expected):
    blocker = None
    if breakage == "bad-config":
        site.write_ini(processes="many")
    elif breakage == "import-error":
        site.app.write_text("import no_such_module_here\n")
    else:
        blocker = socket.socket()
        blocker.bind(("127.0.0.1", site.port))
        blocker.listen()
    try:
        result = site.run("--ini", "uwsgi.ini")
    finally:
        if blocker:
            blocker.close()
    assert result.returncode == 1
    assert expected in result.stderr, result.stderr
    assert not site.pidfile.exists()  # written only once the sockets are bound and the app loaded


def test_daemonized_lazy_apps_start_whose_app_fails_reports_in_the_shell(site):
    site.app.write_text("raise RuntimeError('broken app')\n")
    site.write_ini(lazy_apps="true", processes="2")
    try:
        result = site.run("--ini", "uwsgi.ini", timeout=6)
    except Exception as e:  # subprocess.TimeoutExpired: the shell command never returned
        pytest.fail(f"daemonized start with a failing lazy app did not return: {e!r}\n{site.log()[-2000:]}")
    assert result.returncode == 1, result.stderr


def test_logto_logs_to_the_file_without_detaching(serve, tmp_path):
    logfile = tmp_path / "app.log"
    s = serve("routes.py", "--logto", str(logfile))
    assert s.proc.poll() is None  # the command we started is the master itself
    assert os.getsid(s.pid) == os.getsid(0)
    assert wait_until(lambda: "listening on" in logfile.read_text())
    assert s.log() == ""  # nothing on the original stderr
    s.wait_workers(1)
    assert requests.get(s.url("/pid?logto"), timeout=5).status_code == 200
    assert wait_until(lambda: "GET /pid?logto" in logfile.read_text())


def _rotate_and_check(site, how, tag):
    old = site.logfile.with_name(f"log.log.{tag}")
    os.rename(site.logfile, old)
    if how == "command":
        result = site.run("--reopen-logs", "pid.log")
        assert result.returncode == 0, result.stderr
        assert str(site.master()) in result.stdout
    else:
        os.kill(site.master(), signal.SIGUSR1)
    assert wait_until(site.logfile.exists, timeout=5), "the log was not reopened at its path"
    # The command only sends SIGUSR1: wait (bounded) until each of the four workers writes its log
    # (fd 2) to the new file. Read from /proc: which workers get connections is the kernel's choice
    # (EPOLLEXCLUSIVE may leave some idle), so access lines cannot prove it for every worker.
    workers = set(site.workers())

    def every_worker_reopened():
        try:
            return all(os.readlink(f"/proc/{w}/fd/2") == str(site.logfile) for w in workers)
        except OSError:
            return False
    assert wait_until(every_worker_reopened, timeout=15, interval=0.02), \
        {w: os.readlink(f"/proc/{w}/fd/2") for w in workers if pid_alive(w)}
    # Requests spread over the four workers: every access line must land in the new file.
    paths = [f"/pid?{tag}-{i}" for i in range(16)]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        assert all(status == 200 for status, _ in pool.map(lambda p: site.get(p), paths))
    os.kill(site.master(), signal.SIGTTIN)  # the master logs "master got SIGTTIN", "worker 5 started"
    assert wait_until(lambda: "worker 5 started" in site.log(), timeout=5), site.log()
    new_text = site.log()
    missing = [p for p in paths if f"GET {p} " not in new_text]
    assert not missing, f"access lines missing from the reopened log: {missing}\n{new_text}"
    assert "master got SIGTTIN" in new_text
    assert f"GET /pid?{tag}" not in old.read_text()
    os.kill(site.master(), signal.SIGTTOU)
    site.wait_workers(4)


@pytest.mark.parametrize("how", ["command", "sigusr1"])
def test_reopen_logs_after_rotation(site, how):
    site.start()
    site.wait_workers(4)
    _rotate_and_check(site, how, "r1")


def test_pidfile_holds_the_master_pid_and_a_stale_one_does_not_stop_a_start(site):
    stale = dead_pid()
    site.pidfile.write_text(f"{stale}\n")
    site.start()
    assert site.master() != stale
    assert site.get("/pid")[0] == 200
    assert site.master() not in {int(site.get("/pid")[1]) for _ in range(8)}


def test_pidfile_of_a_live_appserver_refuses_a_second_start(site):
    site.start()
    first = site.master()
    site.write_ini(http=f"127.0.0.1:{free_port()}")  # a second instance on a free port, same pidfile
    result = site.run("--ini", "uwsgi.ini")
    assert result.returncode == 1
    assert f"already running with pid {first}" in result.stderr, result.stderr
    assert site.master() == first
    assert site.get("/")[0] == 200


def test_vacuum_removes_the_pidfile_and_unix_sockets(site):
    sock = site.root / "app.sock"
    site.write_ini(socket=str(sock))
    site.start()
    assert sock.exists() and site.pidfile.exists()
    master = site.master()
    result = site.run("--stop", "pid.log")
    assert result.returncode == 0, result.stderr
    assert not pid_alive(master)
    assert not site.pidfile.exists()
    assert not sock.exists()


def test_without_vacuum_the_pidfile_stays(site):
    site.write_ini(vacuum=None)
    site.start()
    master = site.master()
    assert site.run("--stop", "pid.log").returncode == 0
    assert not pid_alive(master)
    assert site.pidfile.read_text().strip() == str(master)


def test_stop_is_graceful_and_waits_for_the_master(site):
    site.start()
    workers = site.wait_workers(4)
    master = site.master()
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        slow = pool.submit(site.get, "/sleep?2")
        wait_entered(site.root)
        started = time.monotonic()
        result = site.run("--stop", "pid.log")
        took = time.monotonic() - started
        assert slow.result(timeout=10)[0] == 200  # the in-flight request finished
    assert result.returncode == 0, result.stderr
    assert f"stopping appserver (pid {master})" in result.stdout
    assert f"appserver (pid {master}) stopped" in result.stdout
    assert not pid_alive(master)  # the command returned only once the master was gone
    assert took >= 1.0  # it waited for the in-flight request
    assert wait_until(lambda: not any(pid_alive(p) for p in workers), timeout=5)


@pytest.mark.parametrize("command", ["--stop", "--reload", "--reopen-logs"])
@pytest.mark.parametrize("case", ["missing", "directory", "garbage", "dead-pid", "not-appserver"])
def test_control_commands_refuse_a_bad_pidfile(site, bystander, command, case):
    pidfile = site.root / "pid.log"
    if case == "directory":
        pidfile.mkdir()
    elif case == "garbage":
        pidfile.write_text("not a pid\n")
    elif case == "dead-pid":
        pidfile.write_text(f"{dead_pid()}\n")
    elif case == "not-appserver":
        pidfile.write_text(f"{bystander.pid}\n")
    result = site.run(command, str(pidfile), timeout=10)
    assert result.returncode == 1
    line = result.stderr.strip()
    assert line.startswith("appserver: ") and "\n" not in line, result.stderr
    expected = {"missing": "cannot read pidfile", "directory": "pid", "garbage": "holds no pid",
                "dead-pid": "no process with pid", "not-appserver": "is not an appserver"}[case]
    assert expected in line
    assert bystander.poll() is None  # a non-appserver is never signalled


@pytest.mark.parametrize("command", ["--stop", "--reload"])
def test_a_stale_pidfile_naming_a_lookalike_or_another_sites_worker_is_refused(site, tmp_path, command):
    """The pid in a stale pidfile is reused: by a program whose argv[0] says appserver, or by a
    worker of another appserver. Neither is this site's master: refused, nothing signalled.
    Before, --stop sent SIGTERM to the lookalike and to the other site's worker and said
    "stopped"; --reload waited 120 s."""
    pidfile = site.root / "pid.log"
    lookalike = subprocess.Popen(["/opt/appserver-tools/bin/backup", "30"], executable="sleep")
    port = free_port()
    other = Server(["--http", f"127.0.0.1:{port}", "--wsgi-file", str(APPS / "echo.py"), "--processes", "1"],
                   tmp_path, port=port)
    try:
        other.start()
        other_worker = other.wait_workers(1)[0]
        for pid in (lookalike.pid, other_worker):
            pidfile.write_text(f"{pid}\n")
            result = site.run(command, str(pidfile), timeout=10)
            assert result.returncode == 1, result.stdout
            assert "is not an appserver master" in result.stderr, result.stderr
        time.sleep(0.3)
        assert lookalike.poll() is None
        assert other.workers() == [other_worker]  # not retired
    finally:
        lookalike.kill()
        lookalike.wait(timeout=5)
        other.stop()
