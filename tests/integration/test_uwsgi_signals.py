"""uWSGI signals, timers, crons and file monitors (issue 12, "signals"), as public code uses them:
handlers registered at import in the master, run in the workers' loops (docs/uwsgi-api.md)."""
import os
import signal
import time

import pytest
import requests

from harness import APPS, Server, free_port, pid_alive, wait_until, write_site_ini

APP = APPS / "uwsgi_signals_app.py"
DECORATORS = APPS / "uwsgi_signals_decorators.py"


def lines(out, name):
    try:
        return (out / (name + ".log")).read_text().splitlines()
    except OSError:
        return []


@pytest.fixture
def start(tmp_path):
    started = []

    def run(app=APP, processes=3, extra=()):
        out = tmp_path / "out"
        out.mkdir(exist_ok=True)
        port = free_port()
        ini = write_site_ini(tmp_path, port, app, processes, extra)
        server = Server(["--ini", str(ini), "--disable-logging"], tmp_path, port=port, env={"SIGNALS_OUT": str(out)})
        started.append(server)
        server.start()
        return server, out

    yield run
    for server in started:
        server.stop()


def get(server, path):
    return requests.get(server.url(path), headers={"Connection": "close"}, timeout=10).text


def test_a_timer_runs_its_handler_in_every_worker(start):
    server, out = start()
    workers = set(server.wait_workers(3))
    # add_timer(11, 1) with target "workers": each worker appends a line every second.
    assert wait_until(lambda: all(len(lines(out, f"timer-{pid}")) >= 3 for pid in workers), 20), server.log()
    assert {int(p.name[6:-4]) for p in out.glob("timer-*.log")} == workers


def test_target_workers_reaches_every_worker_also_a_respawned_one(start):
    server, out = start()
    workers = set(server.wait_workers(3))
    assert get(server, "/signal?n=10") == "sent"
    assert wait_until(lambda: set(map(int, lines(out, "workers"))) == workers, 10), (lines(out, "workers"), workers)
    # A respawned worker keeps its id's channel.
    victim = sorted(workers)[0]
    os.kill(victim, signal.SIGKILL)
    assert wait_until(lambda: victim not in server.workers() and len([p for p in server.workers() if pid_alive(p)]) == 3, 15)
    now = set(p for p in server.workers() if pid_alive(p))
    (out / "workers.log").unlink()
    assert get(server, "/signal?n=10") == "sent"
    assert wait_until(lambda: set(map(int, lines(out, "workers"))) == now, 10), (lines(out, "workers"), now)


def test_uwsgi_signal_from_a_request_runs_the_handler_in_a_worker(start):
    server, out = start()
    workers = set(server.wait_workers(3))
    assert get(server, "/signal?n=12") == "sent"
    assert wait_until(lambda: len(lines(out, "request")) == 1, 10), server.log()
    num, pid = map(int, lines(out, "request")[0].split())
    assert num == 12 and pid in workers
    # The master raised 19 at import, before any worker existed: it was delivered all the same.
    assert wait_until(lambda: len(lines(out, "from-import")) == 1, 10)
    assert get(server, "/registered?n=10") == "True"
    assert get(server, "/registered?n=99") == "None"  # uWSGI answers None, not False
    assert "remote signals are not supported" in get(server, "/remote")


def test_a_handler_that_raises_is_logged_and_the_worker_lives(start):
    server, out = start(processes=1)
    [worker] = server.wait_workers(1)
    assert get(server, "/signal?n=13") == "sent"
    assert wait_until(lambda: "failed on purpose" in server.log(), 10), server.log()
    assert "the handler of signal 13 raised: RuntimeError" in server.log()
    assert "Traceback" in server.log()
    assert get(server, "/") == str(worker)
    assert pid_alive(worker) and server.workers() == [worker]


def test_a_signal_storm_blocks_neither_the_master_nor_the_workers(start):
    server, out = start(processes=2)
    workers = server.wait_workers(2)
    began = time.monotonic()
    took = float(get(server, "/storm?n=14&count=20000"))
    assert took < 5, took  # 20000 non-blocking sends: the excess is dropped, not waited for
    # The workers go on answering requests while they work through the backlog.
    for _ in range(5):
        assert get(server, "/").isdigit()
    assert wait_until(lambda: "dropped" in server.log(), 5), server.log()

    def settled():
        before = len(lines(out, "storm"))
        time.sleep(0.5)
        return len(lines(out, "storm")) == before

    assert wait_until(settled, 15)
    handled = len(lines(out, "storm"))
    assert 0 < handled < 20000
    # Once the backlog is handled, signals flow again: the master was never stuck.
    assert get(server, "/signal?n=12") == "sent"
    assert wait_until(lambda: len(lines(out, "request")) == 1, 10), server.log()
    assert time.monotonic() - began < 30
    assert pid_alive(server.pid) and all(pid_alive(p) for p in workers)


def test_cron_rb_timer_and_file_monitor(start):
    server, out = start()
    workers = set(server.wait_workers(3))
    # add_cron(15, -1, -1, -1, -1, -1): this minute matches, so it fires at once (then once a minute).
    assert wait_until(lambda: len(lines(out, "cron")) == 1, 10), server.log()
    assert int(lines(out, "cron")[0]) in workers
    # add_file_monitor(16, out/watched): a change in the directory raises 16.
    (out / "watched" / "new-file").write_text("x")
    assert wait_until(lambda: len(lines(out, "filemon")) >= 1, 10), server.log()
    # add_rb_timer(17, 1, 2): twice, then never again (timer 11 keeps ticking meanwhile).
    assert wait_until(lambda: len(lines(out, "rb")) == 2, 10)
    some = sorted(workers)[0]
    ticks = len(lines(out, f"timer-{some}"))
    assert wait_until(lambda: len(lines(out, f"timer-{some}")) >= ticks + 3, 15)
    assert len(lines(out, "rb")) == 2
    # A target with no process (no mule configured) is logged once, not per signal.
    assert get(server, "/signal?n=18") == "sent" and get(server, "/signal?n=18") == "sent"
    assert wait_until(lambda: 'target "mules" has no process' in server.log(), 10)
    assert server.log().count('target "mules" has no process') == 1


def test_lazy_apps_workers_register_their_own_handlers_and_timers(start):
    # Under lazy-apps each worker imports the app: its register_signal and add_timer (the latter
    # through the shared table to the master) are its own, and still reach it. With threads the
    # loop thread runs handlers while request threads hold the GIL in turn.
    server, out = start(processes=2, extra=["lazy-apps = true", "threads = 2"])
    workers = set(server.wait_workers(2))
    assert wait_until(lambda: all(len(lines(out, f"timer-{pid}")) >= 2 for pid in workers), 20), server.log()
    assert get(server, "/signal?n=12") == "sent"
    assert wait_until(lambda: len(lines(out, "request")) == 1, 10)


def test_ini_timer_and_rbtimer_keys_raise_signals(start):
    server, out = start(processes=1, extra=["timer = 20 1", "signal-rbtimer = 21 1", "signal-bufsize = 65536"])
    assert wait_until(lambda: len(lines(out, "ini-timer-20")) >= 2 and len(lines(out, "ini-timer-21")) >= 2, 15), \
        server.log()


def test_ini_cron_runs_commands_logs_their_output_and_stops_them_with_the_server(start, tmp_path):
    marker = tmp_path / "out" / "cron-cmd.pid"
    server, out = start(processes=1, extra=[
        # -1 everywhere: due now. The command prints, records its pid, and would live 5 minutes.
        f"cron = -1 -1 -1 -1 -1 echo cron-says-hello; echo $$ > {marker}; exec sleep 300",
        "cron2 = unique=1 echo cron2-says-hello",
        "unique-cron = -1 -1 -1 -1 -1 echo unique-cron-says-hello",
    ])
    assert wait_until(lambda: marker.exists() and marker.read_text().strip(), 10), server.log()
    assert wait_until(lambda: "cron2-says-hello" in server.log(), 10), server.log()
    assert wait_until(lambda: "unique-cron-says-hello" in server.log(), 10), server.log()
    assert "cron-says-hello" in server.log()  # the command's output is in the server's log
    pid = int(marker.read_text())
    assert pid_alive(pid)
    server.signal(signal.SIGTERM)
    server.wait(30)
    assert wait_until(lambda: not pid_alive(pid), 10), "the cron command outlived the server"


def test_a_bad_cron_line_refuses_the_start(tmp_path):
    port = free_port()
    ini = tmp_path / "bad.ini"
    ini.write_text(f"[uwsgi]\nhttp-socket = 127.0.0.1:{port}\nwsgi-file = {APP}\ncron = * * * * * /bin/true\n")
    server = Server(["--ini", str(ini)], tmp_path, port=port, env={"SIGNALS_OUT": str(tmp_path)})
    try:
        server.start(wait_port=False)
        assert server.wait(20) != 0
        assert "invalid cron syntax" in server.log()
    finally:
        server.stop()


def test_uwsgidecorators_signal_decorators(start):
    server, out = start(app=DECORATORS, processes=2)
    workers = set(server.wait_workers(2))
    # @timer(1, target="workers"): each worker, every second.
    assert wait_until(lambda: {int(l.split()[1]) for l in lines(out, "timer")} == workers, 20), server.log()
    # @rbtimer(1, signum=40): a given number; @cron(-1...): due at once; @filemon(dir).
    assert wait_until(lambda: len(lines(out, "rbtimer")) >= 2, 10)
    assert all(l.split()[0] == "40" for l in lines(out, "rbtimer"))
    assert wait_until(lambda: len(lines(out, "cron")) == 1, 10)
    (out / "watched" / "f").write_text("x")
    assert wait_until(lambda: len(lines(out, "filemon")) >= 1, 10)
    # @signal(50) runs on uwsgi.signal(50); get_free_signal skips every number taken above.
    get(server, "/raise")
    assert wait_until(lambda: lines(out, "signal") and lines(out, "signal")[0].split()[0] == "50", 10)
    free = int(get(server, "/").split()[1])
    taken = {int(l.split()[0]) for name in ("timer", "cron", "filemon") for l in lines(out, name)}
    assert free not in taken | {40, 50}
