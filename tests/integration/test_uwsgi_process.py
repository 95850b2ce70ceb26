"""uwsgi.reload / stop / set_user_harakiri / logsize and @harakiri (issue 12, process facts)."""
import time

import pytest
import requests

from harness import APPS, Server, free_port, pid_alive, wait_until, write_site_ini

APP = APPS / "uwsgi_process_app.py"


def start(tmp_path, *extra, processes=2):
    port = free_port()
    ini = write_site_ini(tmp_path, port, APP, processes, extra)
    return Server(["--ini", str(ini)], tmp_path, port=port).start()


def get(server, path, timeout=10):
    return requests.get(server.url(path), headers={"Connection": "close"}, timeout=timeout)


def pid_of(response):
    return int(response.text.split("pid=")[1])


def test_reload_gives_new_workers(tmp_path, servers):
    server = start(tmp_path)
    servers.append(server)
    before = set(server.wait_workers(2))
    r = get(server, "/reload")
    assert r.status_code == 200 and r.text.startswith("True"), r.text
    assert wait_until(lambda: pid_of(get(server, "/pid")) not in before, 30), server.log()
    assert server.proc.poll() is None  # the same master goes on


def test_stop_ends_the_instance_gracefully(tmp_path, servers):
    server = start(tmp_path)
    servers.append(server)
    workers = server.wait_workers(2)
    r = get(server, "/stop")
    assert r.status_code == 200 and r.text.startswith("True"), r.text
    assert server.wait(timeout=30) == 0, server.log()
    assert wait_until(lambda: not any(pid_alive(p) for p in workers), 10)


@pytest.mark.parametrize("path", ["/user-harakiri?s=1&sleep=6", "/decorated?sleep=6"],
                         ids=["set_user_harakiri(1)", "@harakiri(1)"])
def test_user_harakiri_ends_a_slow_request(tmp_path, servers, path):
    server = start(tmp_path, processes=1)  # no harakiri option: the request's own deadline only
    servers.append(server)
    worker = server.wait_workers(1)[0]
    started = time.monotonic()
    r = get(server, path, timeout=20)
    took = time.monotonic() - started
    assert r.status_code == 504, r.text
    assert took < 5, took  # well before the 6 s sleep ends
    assert wait_until(lambda: not pid_alive(worker), 10)
    assert "(set_user_harakiri): killing it" in server.log()
    # The worker is replaced and the next request is served.
    assert get(server, "/pid").status_code == 200


def test_user_harakiri_zero_clears_it(tmp_path, servers):
    server = start(tmp_path, processes=1)
    servers.append(server)
    r = get(server, "/user-harakiri?s=1&clear=1&sleep=2.5", timeout=20)
    assert r.status_code == 200 and r.text.startswith("survived"), r.text


def test_user_harakiri_ends_with_its_request(tmp_path, servers):
    server = start(tmp_path, processes=1)
    servers.append(server)
    worker = server.wait_workers(1)[0]
    # set with 2 s, the request ends after 0.1 s; the next request of the same worker runs 3 s.
    assert get(server, "/user-harakiri?s=2&sleep=0.1").status_code == 200
    assert get(server, "/user-harakiri?s=0&sleep=3", timeout=20).text.startswith("survived")
    assert pid_alive(worker)


def test_logsize(tmp_path, servers):
    log = tmp_path / "server.log"
    server = start(tmp_path, f"logto = {log}", processes=1)
    servers.append(server)
    assert wait_until(lambda: log.exists() and log.stat().st_size > 0, 10)
    size = int(get(server, "/logsize").text.split(" ")[0])
    assert 0 < size <= log.stat().st_size
