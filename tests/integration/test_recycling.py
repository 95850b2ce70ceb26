"""Workers replaced by the master: max-requests, reload-on-rss, harakiri, back-off for workers that fail
at start."""
import concurrent.futures
import http.client
import os
import re
import time

import pytest


from harness import holder_of, pid_alive, wait_entered, wait_until
from rawhttp import RawConnection
from site_dir import get


def test_max_requests_recycles_workers_without_failing_a_request(serve):
    s = serve("lifecycle.py", "--processes", "2", "--max-requests", "5", "--max-requests-delta", "1")
    first = set(s.wait_workers(2))
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: get(s.port, "/pid"), range(60)))
    assert [status for status, _ in results] == [200] * 60
    served_by = {int(body) for _, body in results}
    # 60 requests at 6 and 7 per worker (5 + id * delta): at least eight generations of workers.
    assert len(served_by) >= 8, served_by
    assert served_by - first
    assert re.search(r"worker 1: served 6 requests \(max-requests 6\): recycling", s.log()), s.log()[-3000:]
    assert re.search(r"worker 2: served 7 requests \(max-requests 7\): recycling", s.log())
    s.wait_workers(2)
    assert "keeps failing at start" not in s.log()  # a recycled worker is no failure: no back-off


def test_max_worker_lifetime_recycles_workers_without_failing_a_request(serve):
    """uWSGI's max-worker-lifetime (+ delta: worker 1 after 2 s, worker 2 after 2 + 1 s): each worker
    is replaced when its time is up, and requests sent all along are all answered."""
    s = serve("lifecycle.py", "--processes", "2", "--max-worker-lifetime", "2", "--max-worker-lifetime-delta", "1")
    first = set(s.wait_workers(2))
    statuses, served_by = [], set()
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline and len(statuses) < 2000:
        status, body = get(s.port, "/pid")
        statuses.append(status)
        served_by.add(int(body))
        time.sleep(0.01)
    assert statuses == [200] * len(statuses)
    assert served_by - first, s.log()[-2000:]
    assert re.search(r"worker 1: ran \d+ s \(max-worker-lifetime 2 s\): recycling", s.log()), s.log()[-3000:]
    assert re.search(r"worker 2: ran \d+ s \(max-worker-lifetime 3 s\): recycling", s.log()), s.log()[-3000:]
    assert wait_until(lambda: not (first & set(s.wait_workers(2))), timeout=10)
    assert "keeps failing at start" not in s.log()


def test_reload_on_rss_recycles_a_worker_that_grew(serve):
    s = serve("lifecycle.py", "--processes", "1", "--reload-on-rss", "80")
    [worker] = s.wait_workers(1)
    status, body = get(s.port, "/alloc?120")  # the app keeps 120 MB
    assert (status, int(body)) == (200, worker)
    assert wait_until(lambda: not pid_alive(worker), timeout=10), s.log()[-2000:]
    assert "over reload-on-rss 80 MB: recycling" in s.log()
    [fresh] = s.wait_workers(1)
    assert fresh != worker
    assert get(s.port, "/pid") == (200, str(fresh))


def test_harakiri_kills_a_stuck_worker_and_answers_504(serve):
    s = serve("lifecycle.py", "--processes", "2", "--harakiri", "2")
    s.wait_workers(2)
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        started = time.monotonic()
        stuck = pool.submit(get, s.port, "/sleep?30", 20)
        wait_entered(s.cwd)
        # Meanwhile the other worker serves, one request after another.
        others = [get(s.port, "/sleep?0.2") for _ in range(8)]
        status, body = stuck.result(timeout=20)
        took = time.monotonic() - started
    assert status == 504, body
    assert 2 <= took < 6, took
    assert all(status == 200 for status, _ in others)
    victim = re.search(r'harakiri: worker \d \(pid (\d+)\) stuck for [\d.]+s on "GET /sleep\?30"', s.log())
    assert victim, s.log()[-3000:]
    victim = int(victim.group(1))
    assert victim not in {int(body) for _, body in others}
    assert wait_until(lambda: not pid_alive(victim))
    assert victim not in s.wait_workers(2)
    assert get(s.port, "/pid")[0] == 200


def test_harakiri_after_the_response_started_cuts_the_connection(serve):
    s = serve("lifecycle.py", "--processes", "1", "--harakiri", "1")
    [worker] = s.wait_workers(1)
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
    conn.request("GET", "/stream-then-sleep?30")
    resp = conn.getresponse()
    assert resp.status == 200  # already sent: no 504 can follow
    try:
        body = resp.read()
        truncated = b"never sent" not in body
    except http.client.IncompleteRead:
        truncated = True
    conn.close()
    assert truncated
    assert wait_until(lambda: not pid_alive(worker))
    assert 'on "GET /stream-then-sleep?30"' in s.log()
    s.wait_workers(1)


def test_workers_that_fail_at_start_are_respawned_with_back_off(serve):
    s = serve("boot_fails.py", "--processes", "1", "--lazy-apps")
    time.sleep(3)
    failures = s.log().count("exited with code 3")
    assert 1 <= failures < 10, s.log()[-3000:]
    assert s.proc.poll() is None  # the master stays
    assert "this app refuses to load" in s.log()
    assert "keeps failing at start; next try in" in s.log()


def test_a_connection_whose_request_is_still_on_its_way_survives_recycling(serve):
    """The client connected, the worker accepted, the request bytes are not there yet: a worker that
    recycles (here after one request) must still answer it, not close it unanswered."""
    s = serve("lifecycle.py", "--processes", "1", "--max-requests", "1")
    [worker] = s.wait_workers(1)
    early = RawConnection(s.port)
    # The first bytes make the worker accept it (TCP_DEFER_ACCEPT holds silent connections in the queue).
    early.send(b"GET /pid HT")
    assert wait_until(lambda: holder_of(early.sock, [worker]) == worker, timeout=5), "the worker never accepted it"
    assert get(s.port, "/pid") == (200, str(worker))  # its one request: now it recycles
    assert wait_until(lambda: "recycling" in s.log(), timeout=5), s.log()
    early.send(b"TP/1.1\r\nHost: x\r\n\r\n")
    try:
        assert early.read_response().status == 200
    finally:
        early.close()


def test_graceful_harakiri_answers_504_signals_then_kills(serve):
    """harakiri-graceful-timeout (uWSGI's): past harakiri the client gets its 504 at once and the worker
    SIGTERM; a request still stuck after the graceful timeout ends the worker; one that returns
    within it lets the worker leave by itself."""
    s = serve("routes.py", "--processes", "1", "--harakiri", "1", "--harakiri-graceful-timeout", "2")
    [worker] = s.wait_workers(1)
    started = time.monotonic()
    assert get(s.port, "/sleep?30", timeout=20)[0] == 504
    assert time.monotonic() - started < 6
    assert wait_until(lambda: not pid_alive(worker), 15), s.log()[-2000:]
    log = s.log()
    assert "graceful attempt with signal 15" in log, log[-2000:]
    assert "(after harakiri-graceful-timeout): killing it" in log, log[-2000:]
    [fresh] = s.wait_workers(1)
    assert get(s.port, "/pid") == (200, str(fresh))

    # This one returns inside the graceful window: the worker stops on the signal, not by the kill.
    status, _ = get(s.port, "/sleep?1.8", timeout=20)
    assert status == 504
    assert wait_until(lambda: not pid_alive(fresh), 15), s.log()[-2000:]
    assert s.log().count("(after harakiri-graceful-timeout): killing it") == 1, s.log()[-2000:]
    assert get(s.port, "/pid")[0] == 200


def minor_faults(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[7])  # field 10: minflt


def faults_per_body(server, worker, count=40):
    """Page faults the worker took per 1 MiB POST read in 64 KiB pieces, after a warm-up."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    body = b"x" * (1 << 20)
    try:
        def post():
            conn.request("POST", "/read-body", body=body)
            response = conn.getresponse()
            assert (response.status, response.read()) == (200, str(len(body)).encode())
        for _ in range(5):
            post()
        before = minor_faults(worker)
        for _ in range(count):
            post()
        return (minor_faults(worker) - before) / count
    finally:
        conn.close()


@pytest.mark.skipif("ASAN_OPTIONS" in os.environ, reason="AddressSanitizer's allocator replaces glibc's malloc")
def test_worker_keeps_freed_heap_between_requests(serve):
    """glibc hands freed heap back past 128 KiB, so each body read in 64 KiB pieces would page-fault
    its buffers in again (about 8 faults per 1 MiB POST); the worker keeps them mapped."""
    s = serve("lifecycle.py", "--processes", "1")
    [worker] = s.wait_workers(1)
    assert faults_per_body(s, worker) < 1


@pytest.mark.skipif("ASAN_OPTIONS" in os.environ, reason="AddressSanitizer's allocator replaces glibc's malloc")
def test_malloc_settings_in_the_environment_win(serve):
    """An operator's MALLOC_TRIM_THRESHOLD_ (here: give back every free byte at once) is left alone."""
    s = serve("lifecycle.py", "--processes", "1", env={"MALLOC_TRIM_THRESHOLD_": "0", "MALLOC_TOP_PAD_": "0"})
    [worker] = s.wait_workers(1)
    assert faults_per_body(s, worker) > 2
