"""cheaper (uWSGI's adaptive worker count, issue 13, docs/processes.md): from `cheaper` workers up to
`processes` under load and back when idle, with no failed request."""
import concurrent.futures
import re
import threading
import time

from harness import pid_alive, run_cli, wait_until
from site_dir import get


def live_workers(s):
    return [p for p in s.workers() if pid_alive(p)]


def test_spare_scales_from_one_to_four_and_back_without_failing_a_request(serve):
    s = serve("routes.py", "--processes", "4", "--cheaper", "1", "--cheaper-overload", "1")
    assert len(s.wait_workers(1)) == 1
    statuses, peak = [], [1]
    stop = threading.Event()

    def load():
        while not stop.is_set():
            statuses.append(get(s.port, "/sleep?0.3", timeout=20)[0])

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for _ in range(8):
            pool.submit(load)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and peak[0] < 4:
            peak[0] = max(peak[0], len(live_workers(s)))
            time.sleep(0.1)
        stop.set()
    assert peak[0] == 4, s.log()[-3000:]
    assert statuses and set(statuses) == {200}, statuses
    # Idle again: one worker stopped per cheaper-overload second, down to cheaper = 1.
    assert wait_until(lambda: len(live_workers(s)) == 1, 20), s.log()[-3000:]
    log = s.log()
    assert re.search(r"cheaper: \d of \d workers busy .*: starting worker [234]", log), log[-3000:]
    assert re.search(r"cheaper: \d of \d workers busy: stopping worker \d", log), log[-3000:]
    assert get(s.port, "/pid")[0] == 200
    assert "keeps failing at start" not in log


def test_cheaper_must_be_lower_than_processes(tmp_path):
    (tmp_path / "x.py").write_text("def application(e, s):\n    return []\n")
    r = run_cli(["--http", "127.0.0.1:0", "--wsgi-file", "x.py", "--processes", "2", "--cheaper", "2"], cwd=tmp_path)
    assert r.returncode == 1 and "cheaper" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    r = run_cli(["--http", "127.0.0.1:0", "--wsgi-file", "x.py", "--processes", "4", "--cheaper", "1",
                 "--cheaper-algo", "fastest"], cwd=tmp_path)
    assert r.returncode == 1 and "cheaper-algo" in r.stderr, r.stderr
