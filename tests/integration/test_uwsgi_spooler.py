"""The spooler (issue 12, part "spooler"): uwsgi.spool() writes a task file, a spooler process runs
the app's uwsgi.spooler function on it, as uWSGI's. Each test asserts what a user sees: files the
tasks write, task files gone or kept, processes, log lines."""
import json
import os
import signal
import socket
import struct
import time
from pathlib import Path

import pytest
import requests

from harness import APPS, Server, free_port, pid_alive, run_cli, wait_until

APP = APPS / "uwsgi_spooler_app.py"
WAIT = 30  # seconds: the machine may be loaded


@pytest.fixture
def site(tmp_path):
    started = []

    def start(*extra, spool_dir=None):
        out = tmp_path / "out"
        out.mkdir(exist_ok=True)
        spool_dir = spool_dir or tmp_path / "spool"
        port = free_port()
        ini = tmp_path / f"site-{len(started)}.ini"
        ini.write_text(
            "[uwsgi]\n"
            f"http-socket = 127.0.0.1:{port}\n"
            f"wsgi-file = {APP}\n"
            "master = true\n"
            f"spooler = {spool_dir}\n"
            "spooler-frequency = 1\n"
            + "".join(line + "\n" for line in extra))
        server = Server(["--ini", str(ini), "--disable-logging"], tmp_path, port=port,
                        env={"SPOOLER_OUT": str(out)})
        started.append(server)
        server.start()
        return server, out, spool_dir

    yield start
    for server in started:
        server.stop()


def get(server, path, **params):
    r = requests.get(server.url(path), params=params, timeout=20)
    assert r.status_code == 200, r.text
    return r


def info(server):
    return get(server, "/info").json()


def lines(out, name):
    try:
        return (out / (name + ".log")).read_text().splitlines()
    except OSError:
        return []


def tasks_in(spool_dir):
    return sorted(p for p in Path(spool_dir).rglob("uwsgi_spoolfile_on_*"))


def test_spooled_task_runs_and_its_file_is_deleted(site):
    server, out, spool_dir = site("auto-procname = true")
    assert spool_dir.is_dir()  # created at start, as uWSGI
    path = get(server, "/spool", kind="write", name="a", body="the body").content.decode()
    # uwsgi.spool returns the task file's path, named as uWSGI names it, in the spooler directory.
    assert Path(path).parent == spool_dir.resolve()
    assert Path(path).name.startswith("uwsgi_spoolfile_on_")
    assert wait_until(lambda: lines(out, "a"), WAIT), server.log()
    assert (out / "a.body").read_bytes() == b"the body"
    assert wait_until(lambda: not Path(path).exists(), WAIT)
    assert lines(out, "a")[0].split()[0] == "write"
    # The spooler is its own process, titled as such, a child of the master.
    facts = info(server)
    spooler = facts["spooler_pid"]
    assert spooler > 0 and facts["spooler_pids"] == [spooler]
    assert facts["spoolers"] == [str(spool_dir.resolve())]
    assert facts["i_am_the_spooler"] is None
    assert int(lines(out, "a")[0].split()[1]) == spooler
    title = Path(f"/proc/{spooler}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    assert f"appserver: spooler {spool_dir.resolve()}" in title
    assert "[spooler] written" in server.log() and "managing request" in server.log()


def test_spool_retry_keeps_the_task_and_it_runs_again(site):
    server, out, spool_dir = site()
    path = Path(get(server, "/spool-kwargs", kind="retry_once", name="r").content.decode())
    assert wait_until(lambda: len(lines(out, "r")) >= 2, WAIT), server.log()
    assert wait_until(lambda: not path.exists(), WAIT)
    assert len(lines(out, "r")) == 2  # SPOOL_OK on the second run: not run a third time


def test_at_in_the_future_is_not_run_before(site):
    server, out, spool_dir = site()
    at = time.time() + 4
    get(server, "/spool", kind="write", name="later", at="%.3f" % at)
    get(server, "/spool", kind="write", name="now")
    # The task due now ran, so the spooler has scanned since the "at" task was written.
    assert wait_until(lambda: lines(out, "now"), WAIT), server.log()
    assert lines(out, "later") == [] or float(lines(out, "later")[0].split()[2]) >= int(at)
    assert wait_until(lambda: lines(out, "later"), WAIT), server.log()
    assert float(lines(out, "later")[0].split()[2]) >= int(at)  # uWSGI keeps whole seconds of `at`


def uwsgi_task_file(vars, body=b""):
    """A task file as uWSGI writes it (core/spooler.c): modifier1 17, 16-bit LE sizes."""
    block = b"".join(struct.pack("<H", len(k)) + k + struct.pack("<H", len(v)) + v for k, v in vars.items())
    return struct.pack("<BHB", 17, len(block), 0) + block + body


def test_tasks_left_in_the_directory_run_after_a_restart(site, tmp_path):
    spool_dir = tmp_path / "spool"
    spool_dir.mkdir()
    # Written by uWSGI (or an earlier appserver) while no server ran.
    (spool_dir / "uwsgi_spoolfile_on_old_1_1_1_1_1").write_bytes(
        uwsgi_task_file({b"kind": b"write", b"name": b"from-uwsgi"}, b"uWSGI body"))
    first, out, _ = site()
    assert wait_until(lambda: lines(out, "from-uwsgi"), WAIT), first.log()
    assert (out / "from-uwsgi.body").read_bytes() == b"uWSGI body"
    # Spooled for later; the server stops before it is due: the task stays on disk...
    task = Path(get(first, "/spool", kind="write", name="across", at=str(int(time.time()) + 3)).content.decode())
    first.stop()
    assert task.exists() and lines(out, "across") == []
    # ... and the next server runs it.
    second, _, _ = site()
    assert wait_until(lambda: lines(out, "across"), WAIT), second.log()
    assert wait_until(lambda: not task.exists(), WAIT)


def test_a_killed_spooler_is_respawned_and_the_task_still_runs(site):
    server, out, spool_dir = site()
    task = Path(get(server, "/spool", kind="hang_once", name="h").content.decode())
    assert wait_until(lambda: lines(out, "h"), WAIT), server.log()
    first = int(lines(out, "h")[0].split()[1])
    os.kill(first, signal.SIGKILL)
    assert wait_until(lambda: not pid_alive(first), 10)
    assert wait_until(lambda: info(server)["spooler_pid"] not in (0, first), WAIT), server.log()
    # The task was not finished: the new spooler runs it again, to the end.
    assert wait_until(lambda: len(lines(out, "h")) >= 2, WAIT), server.log()
    assert wait_until(lambda: not task.exists(), WAIT)
    assert int(lines(out, "h")[1].split()[1]) == info(server)["spooler_pid"]
    assert f"killed by signal {signal.SIGKILL}" in server.log()


def test_two_spoolers_on_one_directory_never_run_a_task_twice(site):
    server, out, spool_dir = site("spooler-processes = 2")
    pids = info(server)["spooler_pids"]
    assert len(pids) == 2 and all(pids) and pids[0] != pids[1]
    count = 40
    for i in range(count):
        get(server, "/spool", kind="count", name="count", seq=str(i))
    assert wait_until(lambda: len(lines(out, "count")) >= count and not tasks_in(spool_dir), WAIT), server.log()
    time.sleep(1.5)  # one more scan period of both spoolers: nothing runs again
    seqs = [line.split()[0] for line in lines(out, "count")]
    assert sorted(seqs, key=int) == [str(i) for i in range(count)]  # each exactly once


def test_an_exception_is_logged_and_the_spooler_lives(site):
    server, out, spool_dir = site()
    spooler = info(server)["spooler_pid"]
    task = Path(get(server, "/spool", kind="raise_once", name="x").content.decode())
    # As uWSGI: an exception means retry; the task runs again and then succeeds.
    assert wait_until(lambda: len(lines(out, "x")) >= 2, WAIT), server.log()
    assert wait_until(lambda: not task.exists(), WAIT)
    log = server.log()
    assert "RuntimeError: boom from task x" in log
    assert "Traceback (most recent call last)" in log
    assert info(server)["spooler_pid"] == spooler and pid_alive(spooler)


def test_uwsgidecorators_spool(site):
    server, out, spool_dir = site()
    assert get(server, "/deco", name="d").content == b"ok"
    assert wait_until(lambda: lines(out, "d") and lines(out, "d-args"), WAIT), server.log()
    assert lines(out, "d")[0].split()[0] == "deco_plain"
    assert lines(out, "d-args")[0].split()[:2] == ["deco_args", "42"]  # pickled args and kwargs
    assert wait_until(lambda: not tasks_in(spool_dir), WAIT)
    # @spoolforever: the task stays and runs again at every scan.
    get(server, "/forever", name="f")
    assert wait_until(lambda: len(lines(out, "f")) >= 2, WAIT), server.log()
    assert len(tasks_in(spool_dir)) == 1


def test_spooler_max_tasks_recycles_the_spooler(site):
    server, out, spool_dir = site("spooler-max-tasks = 1")
    first = info(server)["spooler_pid"]
    get(server, "/spool", kind="write", name="m1")
    assert wait_until(lambda: lines(out, "m1"), WAIT), server.log()
    assert wait_until(lambda: info(server)["spooler_pid"] not in (0, first), WAIT), server.log()
    get(server, "/spool", kind="write", name="m2")
    assert wait_until(lambda: lines(out, "m2"), WAIT), server.log()
    assert int(lines(out, "m2")[0].split()[1]) != first
    assert "maximum number of tasks reached (1) recycling" in server.log()


def test_the_spooler_stops_with_the_server(site):
    server, out, spool_dir = site()
    spooler = info(server)["spooler_pid"]
    server.signal(signal.SIGTERM)
    assert server.wait(30) == 0
    assert wait_until(lambda: not pid_alive(spooler), 10)


def test_a_reload_replaces_the_spooler_and_its_running_task_ends_once(site, tmp_path):
    server, out, spool_dir = site(f"pidfile = {tmp_path / 'site.pid'}")
    old = info(server)["spooler_pid"]
    task = Path(get(server, "/spool", kind="slow", name="s", secs="3").content.decode())
    assert wait_until(lambda: lines(out, "s"), WAIT), server.log()
    server.signal(signal.SIGHUP)
    # The new image starts its own spooler; the old one finishes its task (SIGTERM waits for it).
    assert wait_until(lambda: info(server)["spooler_pid"] not in (0, old), WAIT), server.log()
    assert wait_until(lambda: not pid_alive(old), WAIT), server.log()
    assert wait_until(lambda: not task.exists(), WAIT)
    assert [line.split()[:2] for line in lines(out, "s")] == [["slow-start", str(old)], ["slow-end", str(old)]]
    # The new spooler serves the directory.
    get(server, "/spool", kind="write", name="after")
    assert wait_until(lambda: lines(out, "after"), WAIT), server.log()
    assert int(lines(out, "after")[0].split()[1]) == info(server)["spooler_pid"]


def test_spooler_harakiri_kills_a_stuck_task_and_it_runs_again(site):
    server, out, spool_dir = site("spooler-harakiri = 2")
    first = info(server)["spooler_pid"]
    task = Path(get(server, "/spool", kind="hang_once", name="k").content.decode())
    # The first run sleeps for minutes: its spooler is killed after 2 s and replaced; the task stays.
    assert wait_until(lambda: len(lines(out, "k")) >= 2, WAIT), server.log()
    assert wait_until(lambda: not task.exists(), WAIT)
    assert not pid_alive(first)
    assert "longer than spooler-harakiri (2 s)" in server.log()


def test_under_lazy_apps_the_spooler_imports_the_app(site):
    server, out, spool_dir = site("lazy-apps = true")
    get(server, "/spool", kind="write", name="lazy")
    assert wait_until(lambda: lines(out, "lazy"), WAIT), server.log()


def test_a_spooler_directory_that_cannot_be_made_stops_the_start(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    r = run_cli(["--http-socket", f"127.0.0.1:{free_port()}", "--wsgi-file", str(APP),
                 "--spooler", str(blocker / "spool")], cwd=tmp_path, env=dict(os.environ, SPOOLER_OUT=str(tmp_path)))
    assert r.returncode == 1
    assert f'spooler directory: mkdir("{blocker / "spool"}") failed (20: Not a directory)' in r.stderr
    # --check-config (and so the check before a reload) refuses it too.
    r = run_cli(["--http-socket", f"127.0.0.1:{free_port()}", "--wsgi-file", str(APP), "--check-config",
                 "--spooler", str(blocker / "spool")], cwd=tmp_path, env=dict(os.environ, SPOOLER_OUT=str(tmp_path)))
    assert r.returncode == 1
    assert "spooler directory: mkdir" in r.stderr


def test_the_spooler_reopens_its_log_with_the_workers(site, tmp_path):
    log = tmp_path / "site.log"
    server, out, spool_dir = site(f"logto = {log}")
    get(server, "/spool", kind="write", name="before")
    assert wait_until(lambda: "managing request" in log.read_text(), WAIT)
    log.rename(tmp_path / "site.log.1")  # logrotate
    server.signal(signal.SIGUSR1)
    assert wait_until(lambda: log.exists(), WAIT)
    get(server, "/spool", kind="write", name="after")
    assert wait_until(lambda: lines(out, "after"), WAIT)
    spooler = info(server)["spooler_pid"]
    assert wait_until(lambda: f"[{spooler}] [info] [spooler {spool_dir.resolve()} pid: {spooler}] managing request"
                      in log.read_text(), WAIT), log.read_text()


def test_spooler_ordered_runs_priorities_lowest_first(site):
    server, out, spool_dir = site("spooler-ordered = true")
    at = str(int(time.time()) + 2)  # all due at once, after every one is written
    for tag, priority in (("p10", "10"), ("plain", None), ("p2", "2"), ("p5", "5")):
        params = dict(kind="write", name="order", tag=tag, at=at)
        if priority:
            params["priority"] = priority
        path = Path(get(server, "/spool", **params).content.decode())
        assert path.parent.name == (priority or spool_dir.name)  # uWSGI's priority subdirectory
    assert wait_until(lambda: len(lines(out, "order")) == 4, WAIT), server.log()
    assert [line.split()[0] for line in lines(out, "order")] == ["p2", "p5", "p10", "plain"]


def test_the_spooler_key_chooses_the_directory(site, tmp_path):
    second = tmp_path / "second"
    server, out, spool_dir = site(f"spooler = {second}")
    facts = info(server)
    assert facts["spoolers"] == [str(spool_dir.resolve()), str(second.resolve())]
    path = Path(get(server, "/spool", kind="write", name="two", spooler=str(second.resolve())).content.decode())
    assert path.parent == second.resolve()
    assert wait_until(lambda: lines(out, "two"), WAIT), server.log()
    assert int(lines(out, "two")[0].split()[1]) == facts["spooler_pids"][1]
    answer = get(server, "/spool", kind="write", name="x", spooler=str(tmp_path / "nowhere")).text
    assert answer == "ValueError: unable to spool job"
    assert f'unable to find spooler "{tmp_path / "nowhere"}"' in server.log()


def test_spool_ignore_keeps_the_task(site):
    server, out, spool_dir = site()
    task = Path(get(server, "/spool", kind="ignore", name="i").content.decode())
    assert wait_until(lambda: len(lines(out, "i")) >= 2, WAIT), server.log()  # kept, tried again
    assert task.exists()
    assert "unable to find the spooler function" in server.log()


def test_a_task_spooled_during_a_scan_runs_right_after_it(site):
    # The default 30 s period: a wake-up that arrives while the spooler works through a scan's
    # listing must start another scan at once, not be lost until the next period.
    server, out, spool_dir = site("spooler-frequency = 30", "spooler-ordered = true")
    spooler = info(server)["spooler_pid"]
    (spool_dir / "uwsgi_spoolfile_on_t_1_1_1_1_1").write_bytes(
        uwsgi_task_file({b"kind": b"slow", b"name": b"first", b"secs": b"2"}))
    (spool_dir / "uwsgi_spoolfile_on_t_1_2_1_1_1").write_bytes(
        uwsgi_task_file({b"kind": b"write", b"name": b"listed"}))
    os.kill(spooler, signal.SIGUSR1)  # as uwsgi.spool() does: one scan lists both
    assert wait_until(lambda: lines(out, "first"), WAIT), server.log()
    spooled = time.time()
    get(server, "/spool", kind="write", name="second")  # not in that scan's listing
    assert wait_until(lambda: lines(out, "second"), 20), server.log()
    assert float(lines(out, "second")[0].split()[2]) - spooled < 15
    assert lines(out, "listed")


def test_spooler_chdir_is_the_working_directory_of_each_task(site, tmp_path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    server, out, spool_dir = site(f"spooler-chdir = {workdir}")
    get(server, "/spool", kind="cwd", name="c")
    assert wait_until(lambda: lines(out, "c"), WAIT), server.log()
    assert lines(out, "c")[0].split()[0] == str(workdir)


def stats_of(port):
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return json.loads(data)


def test_the_stats_server_lists_the_spoolers_as_uwsgi(site):
    stats_port = free_port()
    server, out, spool_dir = site(f"stats = 127.0.0.1:{stats_port}")
    get(server, "/spool", kind="write", name="s1")
    get(server, "/spool", kind="write", name="s2")
    assert wait_until(lambda: lines(out, "s1") and lines(out, "s2"), WAIT), server.log()
    first = info(server)["spooler_pid"]
    assert wait_until(lambda: stats_of(stats_port)["spoolers"][0]["tasks"] == 2, WAIT)
    assert stats_of(stats_port)["spoolers"] == [
        {"dir": str(spool_dir.resolve()), "pid": first, "tasks": 2, "respawns": 0, "running": 0}]
    os.kill(first, signal.SIGKILL)
    assert wait_until(lambda: stats_of(stats_port)["spoolers"][0]["pid"] not in (0, first), WAIT)
    after = stats_of(stats_port)["spoolers"][0]
    assert after["respawns"] == 1 and after["tasks"] == 0
