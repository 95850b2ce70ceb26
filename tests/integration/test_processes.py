"""The master and its workers: replacement, clean stops, no orphans, idle clients, threads."""
import concurrent.futures
import os
import signal
import socket
import time

import requests

from harness import APPS, pid_alive, wait_entered, wait_until
from rawhttp import RawConnection, request


def get(server, path, timeout=10):
    return requests.get(server.url(path), timeout=timeout)


def test_master_forks_workers_and_never_serves(serve):
    s = serve("routes.py", "--processes", "3")
    workers = s.wait_workers(3)
    pids = {int(get(s, "/pid").text) for _ in range(30)}
    assert s.pid not in pids
    assert pids <= set(workers)


def test_crashed_worker_is_replaced_and_others_unaffected(serve):
    s = serve("routes.py", "--processes", "2")
    before = set(s.wait_workers(2))
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        slow = pool.submit(get, s, "/sleep?1")
        wait_entered(s.cwd)
        try:
            get(s, "/crash", timeout=5)
        except requests.ConnectionError:
            pass  # the worker died mid-request: the client sees the connection drop
        assert slow.result().status_code == 200
    assert wait_until(lambda: len(set(s.workers()) - before) >= 1 and len(s.workers()) == 2)
    assert get(s, "/pid").status_code == 200


def test_sigkilled_worker_is_replaced(serve):
    s = serve("routes.py", "--processes", "2")
    victim = s.wait_workers(2)[0]
    os.kill(victim, signal.SIGKILL)
    assert wait_until(lambda: victim not in s.workers() and len(s.workers()) == 2)
    assert "killed by signal 9" in s.log()
    assert get(s, "/pid").status_code == 200


def test_sigterm_stops_everything_cleanly(serve):
    s = serve("routes.py", "--processes", "2")
    workers = s.wait_workers(2)
    s.signal(signal.SIGTERM)
    assert s.wait(timeout=20) == 0
    assert wait_until(lambda: not any(pid_alive(p) for p in workers))


def test_sigint_stops_everything_at_once(serve):
    s = serve("routes.py", "--processes", "2")
    workers = s.wait_workers(2)
    s.signal(signal.SIGINT)
    assert s.wait(timeout=10) == 0
    assert wait_until(lambda: not any(pid_alive(p) for p in workers))


def test_workers_exit_when_master_disappears(serve):
    s = serve("routes.py", "--processes", "2")
    workers = s.wait_workers(2)
    os.kill(s.pid, signal.SIGKILL)
    s.wait(timeout=5)
    assert wait_until(lambda: not any(pid_alive(p) for p in workers), timeout=10)


def test_idle_and_slow_clients_do_not_occupy_workers(serve):
    s = serve("routes.py", "--processes", "2")
    s.wait_workers(2)
    idle = []
    for _ in range(100):
        c = RawConnection(s.port)
        c.send(b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n")
        assert c.read_response().status == 200
        idle.append(c)  # keep-alive, now idle
    slow = []
    for _ in range(100):
        sock = socket.create_connection(("127.0.0.1", s.port))
        sock.sendall(b"GET /pid HTTP/1.1\r\nHost: x\r\nX-Half: ")
        slow.append(sock)
    r = request(s.port, b"GET /pid HTTP/1.1\r\nHost: x\r\n\r\n")
    assert r.status == 200
    for c in idle:
        c.close()
    for sock in slow:
        sock.close()


def test_threads_serve_concurrently_in_one_worker(serve):
    s = serve(None, "--wsgi-file", str(APPS / "routes.py"), "--callable", "barrier_app", "--threads", "4")
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: get(s, "/?4", timeout=15), range(4)))
    assert [r.text for r in results] == ["True"] * 4


def test_lazy_apps_imports_in_each_worker(serve):
    s = serve("lazy.py", "--processes", "2", "--lazy-apps")
    workers = s.wait_workers(2)
    seen = set()
    for _ in range(20):
        imported, served = get(s, "/").text.split()
        assert imported == served  # imported by the worker itself, not the master
        seen.add(int(served))
    assert seen <= set(workers)


def test_preloaded_app_is_imported_once_in_master(serve):
    s = serve("lazy.py", "--processes", "2")
    imported, served = get(s, "/").text.split()
    assert int(imported) == s.pid and int(served) != s.pid


def test_auto_procname_titles(serve):
    s = serve("routes.py", "--processes", "2", "--auto-procname")
    workers = s.wait_workers(2)
    time.sleep(0.3)
    with open(f"/proc/{s.pid}/cmdline", "rb") as f:
        assert f.read().startswith(b"appserver: master")
    titles = set()
    for pid in workers:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            titles.add(f.read().split(b"\0")[0])
    assert titles == {b"appserver: worker 1", b"appserver: worker 2"}


def test_procname_keys_imply_titles_as_in_uwsgi(serve):
    """procname-prefix-spaced / -append / -master turn the titles on by themselves (uWSGI's
    UWSGI_OPT_PROCNAME), and the prefix and the suffix apply to the master's own name too."""
    s = serve("routes.py", "--processes", "1", "--procname-prefix-spaced", "shop",
              "--procname-append", " [eu]", "--procname-master", "shop-master")

    def title(pid):
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().split(b"\0")[0]
    [worker] = s.wait_workers(1)
    assert wait_until(lambda: title(s.pid) == b"shop shop-master [eu]", 5), title(s.pid)
    assert wait_until(lambda: title(worker) == b"shop appserver: worker 1 [eu]", 5), title(worker)


def context_switches(pid):
    total = 0
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
            total += int(line.split()[1])
    return total


def test_one_connection_wakes_one_worker_not_all(serve):
    """No thundering herd: 200 connections, one after another, to 4 idle workers. With every worker
    woken per connection the workers would switch in at least 4 x 200 times; EPOLLEXCLUSIVE wakes one."""
    s = serve("routes.py", "--processes", "4", "--disable-logging")
    workers = s.wait_workers(4)
    time.sleep(0.5)
    before = sum(context_switches(p) for p in workers)
    for _ in range(200):
        assert request(s.port, b"GET /empty HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status == 200
    woken = sum(context_switches(p) for p in workers) - before
    assert woken < 2 * 200, f"{woken} context switches in 4 workers for 200 connections"


def test_sigint_does_not_wait_for_a_request_in_flight(serve):
    s = serve("routes.py", "--processes", "1")
    worker = s.wait_workers(1)[0]
    sock = socket.create_connection(("127.0.0.1", s.port))
    sock.sendall(b"GET /sleep?30 HTTP/1.1\r\nHost: x\r\n\r\n")
    wait_entered(s.cwd)
    started = time.monotonic()
    s.signal(signal.SIGINT)
    assert s.wait(timeout=10) == 0
    assert wait_until(lambda: not pid_alive(worker), timeout=5)
    assert time.monotonic() - started < 2.5  # not the 3 s kill deadline, let alone the 30 s request
    sock.close()
