"""A URL that crashes its worker (segfault, os._exit) must cost that one request, not the site:
workers that served and then died are replaced at once; back-off is only for workers that cannot
start (issue 8, item 3)."""
import http.client
import threading
import time

from harness import wait_until


def get(port, path, timeout):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def test_a_crashing_url_hit_every_second_leaves_no_gap_in_service(serve):
    s = serve("signals_crash.py", "--processes", "2")
    s.wait_workers(2)
    answers = []  # monotonic times of successful probes of /
    stop = threading.Event()

    def probe():
        while not stop.is_set():
            try:
                if get(s.port, "/", timeout=5)[0] == 200:
                    answers.append(time.monotonic())
            except (OSError, http.client.HTTPException):
                pass  # landed on the dying worker: counts only through the gap it leaves
            time.sleep(0.1)

    prober = threading.Thread(target=probe)
    started = time.monotonic()
    prober.start()
    crashes = 0
    try:
        for i in range(12):
            try:
                get(s.port, "/segv" if i % 2 == 0 else "/exit", timeout=5)
            except (OSError, http.client.HTTPException):
                pass
            crashes += 1
            time.sleep(1)
    finally:
        stop.set()
        prober.join(timeout=10)
    ended = time.monotonic()
    marks = [started] + answers + [ended]
    longest = max(b - a for a, b in zip(marks, marks[1:]))
    log = s.log()
    assert log.count("killed by signal 11") >= 4 and log.count("exited with code 1") >= 4, log[-3000:]
    assert longest < 1.0, f"longest gap without an answer to /: {longest:.2f}s\n{log[-3000:]}"
    assert "keeps failing at start" not in log
    assert wait_until(lambda: len(s.workers()) == 2, timeout=5)
    print(f"\n{len(answers)} answers to / during {crashes} crashes; longest gap {longest:.2f}s")
