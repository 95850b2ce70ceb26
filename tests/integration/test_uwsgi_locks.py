"""uwsgi.lock / unlock / is_locked and `locks = N` (issue 12, locks): one lock across all workers,
and a worker that dies holding a lock does not deadlock the others."""
import os
import signal
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from harness import APPS, Server, free_port, pid_alive, wait_until, write_site_ini

APP = APPS / "uwsgi_locks_app.py"


def start(tmp_path, *extra, processes=2):
    port = free_port()
    ini = write_site_ini(tmp_path, port, APP, processes, ("locks = 2", *extra))
    return Server(["--ini", str(ini), "--disable-logging"], tmp_path, port=port).start()


def get(server, path, timeout=10):
    r = requests.get(server.url(path), headers={"Connection": "close"}, timeout=timeout)
    assert r.status_code == 200, r.text
    return r.text


@pytest.mark.parametrize("path", ["/incr?n=2", "/incr-decorated"], ids=["lock(2)", "@lock"])
def test_no_lost_update_across_workers(tmp_path, servers, path):
    server = start(tmp_path, "threads = 2")
    servers.append(server)
    server.wait_workers(2)
    total = 120
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: get(server, path, timeout=30), range(total)))
    pids = {a.split("pid=")[1] for a in answers}
    # Every read-modify-write of the file happened under the one lock, whichever worker ran it.
    assert (tmp_path / "counter.txt").read_text() == str(total), (pids, server.log())
    assert len(pids) >= 1


def test_lock_numbers_are_uwsgis(tmp_path, servers):
    server = start(tmp_path)
    servers.append(server)
    # locks = 2: numbers 0, 1 and 2 (N besides lock 0); others raise ValueError as in uWSGI.
    assert get(server, "/range?n=2").startswith("accepted|accepted|accepted")
    for n in (3, -1):
        assert get(server, f"/range?n={n}").startswith("|".join(["ValueError: Invalid lock number"] * 3))
    assert get(server, "/is_locked?n=1").startswith("False")


@pytest.mark.parametrize("death", ["kill-9", "harakiri"])
def test_a_worker_dying_with_the_lock_does_not_deadlock_the_others(tmp_path, servers, death):
    server = start(tmp_path, *(["harakiri = 2"] if death == "harakiri" else []))
    servers.append(server)
    server.wait_workers(2)
    holder_request = ThreadPoolExecutor(1)
    try:
        holder_request.submit(lambda: requests.get(server.url("/hold?n=1"), timeout=30))
        assert wait_until(lambda: list(tmp_path.glob("holding-*")), 10), server.log()
        marker = next(tmp_path.glob("holding-*"))
        holder = int(marker.name.split("-")[1])
        assert marker.read_text() == "True"  # is_locked() sees the lock held
        assert get(server, "/is_locked?n=1").startswith("True")
        if death == "kill-9":
            os.kill(holder, signal.SIGKILL)
        assert wait_until(lambda: not pid_alive(holder), 15), server.log()
        # The lock is taken over by the next locker: this answers instead of hanging.
        assert get(server, "/take?n=1", timeout=15).startswith("took 1")
        assert get(server, "/is_locked?n=1").startswith("False")
        assert "lock 1: its holder died holding it" in server.log()
    finally:
        holder_request.shutdown(wait=False, cancel_futures=True)
