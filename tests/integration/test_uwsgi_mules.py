"""Mules (issue 12): `mule = script.py`, bare mules, farms, uwsgi.mule_msg / mule_get_msg and
uwsgidecorators' @mulefunc, as public code uses them; respawn, back-off, stop and reload."""
import os
import signal
import time

import pytest
import requests

from harness import APPS, Server, free_port, pid_alive, run_cli, wait_until, write_site_ini

APP = APPS / "uwsgi_mules_app.py"
SCRIPT = APPS / "uwsgi_mules_script.py"
BROKEN = APPS / "uwsgi_mules_broken.py"
SLEEPER = APPS / "uwsgi_mules_sleeper.py"


def start(tmp_path, *lines, func_mule=0, msg_mule=-1):
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    port = free_port()
    ini = write_site_ini(tmp_path, port, APP, 2, lines)
    server = Server(["--ini", str(ini)], tmp_path, port=port,
                    env={"MULES_OUT": str(out), "MULES_FUNC_MULE": str(func_mule),
                         "MULES_MSG_MULE": str(msg_mule)})
    return server.start(), out


def get(server, path):
    r = requests.get(server.url(path), timeout=10)
    assert r.status_code == 200, server.log()
    return r.text


def read_when_there(out, name, timeout=10.0):
    path = out / name
    assert wait_until(path.exists, timeout), f"{name} not written; have {sorted(p.name for p in out.iterdir())}"
    return path.read_text()


def started(out):
    """{mule id: [pids in start order]} from the script mules' start markers."""
    found = {}
    for p in sorted(out.glob("started-*"), key=lambda p: p.stat().st_mtime_ns):
        _, mule_id, pid = p.name.split("-")
        found.setdefault(int(mule_id), []).append(int(pid))
    return found


def test_messages_reach_the_mule_the_farm_and_a_mulefunc(tmp_path, servers):
    server, out = start(tmp_path, f"mule = {SCRIPT}", f"mule = {SCRIPT}", "mules = 1", "farm = pair:1,2",
                        "auto-procname = true", func_mule=3)
    servers.append(server)
    assert get(server, "/").endswith("mule_id 0")  # not a mule
    # A request queues a message for mule 1 (bytes), the script mule writes it down.
    assert get(server, "/send?to=1&msg=one:hello") == "True"
    mule_id, mule_pid, text = read_when_there(out, "one").split(" ", 2)
    assert (mule_id, text) == ("1", "one:hello")
    workers = server.workers()
    assert int(mule_pid) in workers and int(mule_pid) != server.pid
    # A farm name (str): one of the farm's mules gets it.
    assert get(server, "/send?to=pair&msg=farmed:x") == "True"
    assert read_when_there(out, "farmed").split(" ")[0] in ("1", "2")
    # @mulefunc(3): the call runs in the bare mule 3 (its message loop), not in the worker.
    worker_pid = int(get(server, "/call?tag=first"))
    pid, in_mule, caller = map(int, read_when_there(out, "mulefunc-first").split())
    assert in_mule == 3 and caller == worker_pid and pid != worker_pid and pid in server.workers()
    # procnames: one "appserver: mule N" per mule.
    titles = [open(f"/proc/{p}/cmdline", "rb").read().split(b"\0")[0] for p in server.workers()]
    assert sorted(t for t in titles if b"mule" in t) == [b"appserver: mule 1", b"appserver: mule 2",
                                                         b"appserver: mule 3"], titles


def test_module_callable_mules_and_the_mulemsg_decorator(tmp_path, servers):
    server, out = start(tmp_path, f"pythonpath = {APPS}", "mule = uwsgi_mules_callable:run", "mules = 1",
                        msg_mule=2)
    servers.append(server)
    pid, program = read_when_there(out, "callable-1").split()
    assert program == "uwsgi_mules_callable:run" and int(pid) in server.workers()
    # Mule 2 is a bare mule whose post-fork hook (@mulemsg(2)) loops on mule_get_msg.
    assert get(server, "/send?to=2&msg=decorated:yes") == "True"
    mule_id, _, text = read_when_there(out, "decorated").split(" ", 2)
    assert (mule_id, text) == ("2", "decorated:yes")


def test_bad_targets_are_refused_as_uwsgi_does(tmp_path, servers):
    server, out = start(tmp_path, f"mule = {SCRIPT}")
    servers.append(server)
    assert get(server, "/send?to=7&msg=x").startswith("ValueError: invalid mule number")
    assert get(server, "/send?to=nofarm&msg=x").startswith("ValueError: unknown farm")
    # Without an id: the shared queue, read by any mule.
    assert get(server, "/send?msg=anyone:1") == "True"
    assert read_when_there(out, "anyone").startswith("1 ")


@pytest.mark.parametrize("size", [None, 16384], ids=["kernel-default", "mule-msg-size"])
def test_a_full_queue_refuses_at_once_and_never_blocks_the_worker(tmp_path, servers, size):
    server, _ = start(tmp_path, f"mule = {SLEEPER}", *([f"mule-msg-size = {size}"] if size else []))
    servers.append(server)
    sent, seconds = get(server, "/flood").split()
    # As uWSGI: mule_msg returns False once the queue is full (logged), the request goes on.
    assert 0 < int(sent) < 100000 and float(seconds) < 5, (sent, seconds)
    if size:
        # The kernel doubles SO_SNDBUF and counts each message's overhead: about 15 fit (93 with the
        # default buffer).
        assert int(sent) < 40, sent
    assert "MULE MSG QUEUE IS FULL" in server.log()
    assert get(server, "/").endswith("mule_id 0")


def test_a_killed_mule_is_started_again_and_still_receives(tmp_path, servers):
    server, out = start(tmp_path, f"mule = {SCRIPT}")
    servers.append(server)
    assert wait_until(lambda: 1 in started(out)), server.log()
    first = started(out)[1][0]
    os.kill(first, signal.SIGKILL)
    assert wait_until(lambda: len(started(out).get(1, [])) == 2), server.log()
    second = started(out)[1][1]
    assert second != first and not pid_alive(first) and pid_alive(second)
    assert get(server, "/send?to=1&msg=after:kill") == "True"
    assert read_when_there(out, "after").split(" ")[1] == str(second)


def test_a_mule_that_fails_at_start_is_logged_and_started_again_with_back_off(tmp_path, servers):
    server, _ = start(tmp_path, f"mule = {BROKEN}")
    servers.append(server)
    window = 4.0
    time.sleep(window)  # the measurement is how many starts fit in this window
    log = server.log()
    spawns = log.count("mule 1 started")
    # 250 ms doubling: 0, .25, .75, 1.75, 3.75 s -> about 5 in 4 s; a loop would be hundreds.
    assert 2 <= spawns <= 8, log
    assert "RuntimeError: mule script broken on purpose" in log
    assert "mule 1 keeps exiting at start; next try in" in log
    assert get(server, "/").endswith("mule_id 0")  # the site serves meanwhile


def test_mules_stop_with_the_server_and_are_replaced_on_reload(tmp_path, servers):
    server, out = start(tmp_path, f"mule = {SCRIPT}", f"mule = {SCRIPT}")
    servers.append(server)
    assert wait_until(lambda: len(started(out)) == 2), server.log()
    old = {i: pids[-1] for i, pids in started(out).items()}
    os.kill(server.pid, signal.SIGHUP)
    assert wait_until(lambda: all(len(started(out).get(i, [])) == 2 for i in (1, 2)), 20), server.log()
    new = {i: pids[-1] for i, pids in started(out).items()}
    assert set(new.values()).isdisjoint(old.values())
    assert wait_until(lambda: not any(pid_alive(p) for p in old.values()), 10), server.log()
    assert get(server, "/send?to=2&msg=reloaded:yes") == "True"
    assert read_when_there(out, "reloaded").split(" ")[:2] == ["2", str(new[2])]
    server.signal(signal.SIGTERM)
    assert server.wait(20) == 0
    assert wait_until(lambda: not any(pid_alive(p) for p in new.values()), 5)


def test_touch_mules_reload_restarts_the_mules_only(tmp_path, servers):
    touch = tmp_path / "mules.touch"
    touch.write_text("0")
    server, out = start(tmp_path, f"mule = {SCRIPT}", "touch-mules-reload = mules.touch")
    servers.append(server)
    assert wait_until(lambda: 1 in started(out)), server.log()
    first = started(out)[1][0]
    workers_before = set(server.workers()) - {first}
    touch.write_text("1")
    assert wait_until(lambda: len(started(out).get(1, [])) == 2, 15), server.log()
    second = started(out)[1][1]
    assert wait_until(lambda: not pid_alive(first), 5)
    assert workers_before <= set(server.workers())  # the workers were left alone
    assert "mules.touch touched: restarting the mules" in server.log()
    assert "keeps exiting at start" not in server.log()
    assert get(server, "/send?to=1&msg=touched:1") == "True"
    assert read_when_there(out, "touched").split(" ")[1] == str(second)


def test_a_farm_naming_a_mule_that_does_not_exist_is_refused_at_start(tmp_path):
    # As uWSGI ("invalid mule id"), before anything is forked.
    r = run_cli(["--http", f"127.0.0.1:{free_port()}", "--wsgi-file", str(APP), "--mules", "1", "--farm", "x:1,2",
                 "--check-config"], cwd=tmp_path)
    assert r.returncode == 1
    assert "farm = x:1,2: invalid mule id 2 (there is 1 mule)" in r.stderr, r.stderr
