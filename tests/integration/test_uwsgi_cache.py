"""uwsgi.cache_* with `cache2` / `cache` (issue 12, cache): one cache shared by every worker, kept
when a worker dies, empty after a restart; uWSGI's return values and corner cases."""
import os
import signal
import time

import pytest
import requests

from harness import APPS, Server, free_port, pid_alive, run_cli, wait_until, write_site_ini

APP = APPS / "uwsgi_cache_app.py"
CACHES = [
    "cache2 = name=shared,items=100",
    "cache2 = name=small,items=10,blocksize=1024",
    "cache2 = name=tiny,items=3,blocksize=64",
    "cache2 = name=lru,items=3,blocksize=64,purge_lru=1",
]


def write_ini(tmp_path, port, processes, extra):
    return write_site_ini(tmp_path, port, APP, processes, extra)


def start(tmp_path, processes=4, extra=CACHES, port=None):
    port = port or free_port()
    ini = write_ini(tmp_path, port, processes, extra)
    return Server(["--ini", str(ini), "--disable-logging"], tmp_path, port=port).start()


def call(server, path):
    r = requests.get(server.url(path), headers={"Connection": "close"}, timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


def test_api_as_uwsgi(tmp_path, servers):
    server = start(tmp_path, processes=1)
    servers.append(server)
    assert call(server, "/check")["result"] == "ok"


def test_shared_by_workers_and_survives_a_worker_kill_then_gone_after_restart(tmp_path, servers):
    server = start(tmp_path)
    servers.append(server)
    server.wait_workers(4)
    setter = call(server, "/set?k=greeting&v=hello")
    assert setter["result"] is True
    # The worker that set it dies (kill -9); the value is the master's mapping, not the worker's.
    os.kill(setter["pid"], signal.SIGKILL)
    assert wait_until(lambda: not pid_alive(setter["pid"]), 10)
    readers = set()
    for _ in range(8):
        answer = call(server, "/get?k=greeting")
        assert answer["result"] == {"bytes": "hello"}, answer
        readers.add(answer["pid"])
    assert setter["pid"] not in readers
    # A full restart starts with an empty cache.
    port = server.port
    server.stop()
    again = start(tmp_path, port=port)
    servers.append(again)
    assert call(again, "/get?k=greeting")["result"] is None


def test_expiry(tmp_path, servers):
    server = start(tmp_path, processes=2)
    servers.append(server)
    set_at = time.monotonic()
    assert call(server, "/set?k=short&v=1&expires=1")["result"] is True
    assert call(server, "/set?k=long&v=2&expires=60")["result"] is True
    assert wait_until(lambda: call(server, "/get?k=short")["result"] is None, 10)
    assert time.monotonic() - set_at >= 0.9  # not before its second is up
    assert call(server, "/get?k=long")["result"] == {"bytes": "2"}
    # An expired key can be set again (cache_set refuses only live keys).
    assert call(server, "/set?k=short&v=3")["result"] is True


def test_legacy_cache_key(tmp_path, servers):
    server = start(tmp_path, processes=1, extra=["cache = 5", "cache-blocksize = 16"])
    servers.append(server)
    assert call(server, "/set?k=a&v=0123456789abcdef")["result"] is True
    assert call(server, "/set?k=b&v=0123456789abcdefX")["result"] is None  # over cache-blocksize
    assert call(server, "/get?k=a&cache=default")["result"] == {"bytes": "0123456789abcdef"}


def test_bad_cache2_refused_at_start(tmp_path):
    ini = write_ini(tmp_path, free_port(), 1, ["cache2 = items=10"])
    r = run_cli(["--ini", str(ini), "--check-config"], cwd=tmp_path)
    assert r.returncode != 0
    assert 'cache2 "items=10": you have to specify a cache name' in r.stdout + r.stderr
