"""The stats server (issue 11): `stats = ADDR` serves uWSGI 2.0's JSON document (same keys as Debian's
uwsgi writes for the same configuration), `stats-http` the same over HTTP plus /metrics,
`stats-prometheus` the Prometheus text format; the counts move with requests, a busy worker shows
its request, the listen queue is the kernel's, uwsgitop draws the workers, and a stats client that
never reads or never asks cannot stop the master from supervising."""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import uuid

import pytest
import requests

from harness import APPS, ROOT, Server, connect, free_port, pid_alive, wait_entered, wait_until

APP = str(APPS / "stats_app.py")
UWSGITOP = ROOT / "tests" / "vendor" / "uwsgitop" / "uwsgitop"


def read_all(address, timeout=10):
    """What a uWSGI stats client does: connect, read to EOF."""
    family = socket.AF_UNIX if isinstance(address, str) else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(address)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


def stats(port):
    return json.loads(read_all(("127.0.0.1", port)))


def start(tmp_path, *extra, processes=2):
    port = free_port()
    stats_port = free_port()
    server = Server(["--http-socket", f"127.0.0.1:{port}", "--wsgi-file", APP, "--processes", str(processes),
                     "--stats", f"127.0.0.1:{stats_port}", *extra], tmp_path, port=port)
    server.start()
    server.wait_workers(processes)
    assert wait_until(lambda: all(w["accepting"] for w in stats(stats_port)["workers"]))
    return server, stats_port


def shape(value):
    """The structure of a JSON value: keys in order, value types, the first element of lists."""
    if isinstance(value, dict):
        return [(k, shape(v)) for k, v in value.items()]
    if isinstance(value, list):
        return ["list", shape(value[0]) if value else None]
    return type(value).__name__


@pytest.mark.skipif(shutil.which("uwsgi") is None, reason="Debian's uwsgi is not installed")
def test_document_has_uwsgi_keys_and_types(tmp_path):
    uwsgi_port, uwsgi_stats = free_port(), free_port()
    log = open(tmp_path / "uwsgi.log", "wb")
    uwsgi = subprocess.Popen(["uwsgi", "--plugin", "http,python3", "--http-socket", f"127.0.0.1:{uwsgi_port}",
                              "--wsgi-file", APP, "--master", "--processes", "2",
                              "--stats", f"127.0.0.1:{uwsgi_stats}"],
                             cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server, stats_port = start(tmp_path)
    try:
        assert wait_until(lambda: _answers(uwsgi_port), 15), (tmp_path / "uwsgi.log").read_text()
        # One request each, so that both documents have every list filled.
        requests.get(f"http://127.0.0.1:{uwsgi_port}/", timeout=10)
        requests.get(server.url("/"), timeout=10)
        theirs = json.loads(read_all(("127.0.0.1", uwsgi_stats)))
        ours = stats(stats_port)
        assert [k for k in ours] == [k for k in theirs]
        for key in ours:
            assert shape(ours[key]) == shape(theirs[key]), key
        assert [w["id"] for w in ours["workers"]] == [1, 2]
        assert ours["pid"] == server.pid
        assert ours["cwd"] == str(tmp_path)
        assert ours["sockets"][0]["name"] == f"127.0.0.1:{server.port}"
        assert ours["sockets"][0]["max_queue"] > 0
    finally:
        uwsgi.send_signal(signal.SIGINT)
        try:
            uwsgi.wait(timeout=10)
        except subprocess.TimeoutExpired:
            uwsgi.kill()
            uwsgi.wait(timeout=5)
        log.close()
        server.stop()


def _answers(port):
    try:
        return requests.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_counts_move_after_requests(tmp_path):
    server, stats_port = start(tmp_path, processes=1)
    try:
        before = stats(stats_port)["workers"][0]
        assert before["requests"] == 0 and before["tx"] == 0 and before["status"] == "idle"
        assert before["respawn_count"] == 1 and before["last_spawn"] > 0
        assert before["rss"] > 0 and before["vsz"] >= before["rss"]
        for _ in range(3):
            assert requests.get(server.url("/"), timeout=10).text == "hello"
        assert requests.get(server.url("/boom"), timeout=10).status_code == 500
        # A request is counted just after its response is written: the client may be faster.
        assert wait_until(lambda: stats(stats_port)["workers"][0]["requests"] == 4)
        after = stats(stats_port)["workers"][0]
        assert after["requests"] == 4
        assert after["delta_requests"] == 4
        assert after["exceptions"] == 1
        assert after["apps"][0]["exceptions"] == 1
        assert after["cores"][0]["requests"] == 4
        assert after["tx"] > 4 * len("hello")  # heads included, as uWSGI counts
        assert after["running_time"] > 0 and after["avg_rt"] > 0
        assert after["pid"] == server.workers()[0]
    finally:
        server.stop()


# A static file is a request for the stats too (uWSGI counts it in requests and in the core's
# static_requests), and for /metrics, though no application was called.
def test_static_files_are_counted(tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "a.css").write_text("body{}")
    prom_port = free_port()
    server, stats_port = start(tmp_path, "--static-map", f"/static={tmp_path / 'static'}",
                               "--stats-prometheus", f"127.0.0.1:{prom_port}", processes=1)
    try:
        for _ in range(3):
            r = requests.get(server.url("/static/a.css"), timeout=10)
            assert (r.status_code, r.text) == (200, "body{}")
        assert requests.get(server.url("/"), timeout=10).text == "hello"
        assert wait_until(lambda: stats(stats_port)["workers"][0]["requests"] == 4)
        worker = stats(stats_port)["workers"][0]
        assert worker["cores"][0]["static_requests"] == 3
        assert worker["tx"] > 3 * len("body{}")
        metrics = requests.get(f"http://127.0.0.1:{prom_port}/metrics", timeout=10).text
        assert 'appserver_static_requests_total{status="2xx"} 3' in metrics
        assert 'appserver_requests_total{status="2xx"} 4' in metrics
    finally:
        server.stop()


def test_busy_worker_shows_its_request(tmp_path):
    server, stats_port = start(tmp_path, "--threads", "2", processes=1)
    try:
        client = connect(("127.0.0.1", server.port))
        client.sendall(b"GET /slow?4 HTTP/1.1\r\nHost: x\r\n\r\n")
        wait_entered(tmp_path)
        doc = stats(stats_port)
        worker = doc["workers"][0]
        assert worker["status"] == "busy"
        busy = [c for c in worker["cores"] if c["in_request"]]
        assert len(busy) == 1 and len(worker["cores"]) == 2
        assert busy[0]["vars"] == ["REQUEST_METHOD=GET", "REQUEST_URI=/slow?4", ""]
        assert abs(busy[0]["req_info"]["request_start"] - time.time()) < 30
        client.close()
    finally:
        server.stop()


def test_listen_queue_is_the_kernels_figure(tmp_path):
    # One worker with one thread busy in the app accepts nothing: new connections wait in the queue.
    server, stats_port = start(tmp_path, "--listen", "64", processes=1)
    waiting = []
    try:
        busy = connect(("127.0.0.1", server.port))
        busy.sendall(b"GET /slow?5 HTTP/1.1\r\nHost: x\r\n\r\n")
        wait_entered(tmp_path)
        waiting = [connect(("127.0.0.1", server.port)) for _ in range(5)]
        doc = stats(stats_port)
        assert doc["sockets"][0]["queue"] == 5
        assert doc["sockets"][0]["max_queue"] == 64
        assert doc["listen_queue"] == 5 and doc["load"] == 5
        busy.close()
    finally:
        for s in waiting:
            s.close()
        server.stop()


def test_unix_socket_stats_and_unix_listen_queue(tmp_path, sock_dir):
    app_sock = os.path.join(sock_dir, "app.sock")
    stats_sock = os.path.join(sock_dir, "stats.sock")
    server = Server(["--socket", app_sock, "--wsgi-file", APP, "--stats", stats_sock, "--listen", "32"], tmp_path)
    server.start(wait_port=False)
    try:
        assert wait_until(lambda: os.path.exists(stats_sock) and os.path.exists(app_sock)), server.log()
        doc = json.loads(read_all(stats_sock))
        assert doc["sockets"][0] == {"name": app_sock, "proto": "uwsgi", "queue": 0, "max_queue": 32,
                                     "shared": 0, "can_offload": 0}
    finally:
        server.stop()


def test_stats_http_and_prometheus_endpoints(tmp_path):
    port, stats_port, prom_port = free_port(), free_port(), free_port()
    server = Server(["--http-socket", f"127.0.0.1:{port}", "--wsgi-file", APP, "--stats", f"127.0.0.1:{stats_port}",
                     "--stats-http", "--stats-prometheus", f"127.0.0.1:{prom_port}"], tmp_path, port=port).start()
    try:
        requests.get(server.url("/"), timeout=10)
        requests.get(server.url("/boom"), timeout=10)
        r = requests.get(f"http://127.0.0.1:{stats_port}/", timeout=10)
        assert r.headers["Content-Type"] == "application/json"
        assert wait_until(lambda: requests.get(f"http://127.0.0.1:{stats_port}/", timeout=10)
                          .json()["workers"][0]["requests"] == 2)
        for url in (f"http://127.0.0.1:{stats_port}/metrics", f"http://127.0.0.1:{prom_port}/anything"):
            m = requests.get(url, timeout=10)
            assert m.headers["Content-Type"].startswith("text/plain; version=0.0.4")
            assert 'appserver_requests_total{status="2xx"} 1' in m.text
            assert 'appserver_requests_total{status="5xx"} 1' in m.text
            assert "appserver_request_duration_seconds_count 2" in m.text
            assert "appserver_exceptions_total 1" in m.text
            assert re.search(r'^python_info\{implementation="CPython",major="3",.*\} 1$', m.text, re.M)
    finally:
        server.stop()


def test_clients_that_never_read_or_never_ask_do_not_stop_the_master(tmp_path):
    port, stats_port, http_port = free_port(), free_port(), free_port()
    server = Server(["--http-socket", f"127.0.0.1:{port}", "--wsgi-file", APP, "--processes", "2",
                     "--stats-prometheus", f"127.0.0.1:{http_port}", "--stats", f"127.0.0.1:{stats_port}"],
                    tmp_path, port=port).start()
    hogs = []
    try:
        old = server.wait_workers(2)
        # More silent HTTP clients than the master holds, and raw clients that never read.
        for _ in range(40):
            hogs.append(connect(("127.0.0.1", http_port)))
        for _ in range(10):
            s = connect(("127.0.0.1", stats_port))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
            hogs.append(s)
        # The master still reaps and respawns...
        os.kill(old[0], signal.SIGKILL)
        assert wait_until(lambda: len([p for p in server.workers() if pid_alive(p) and p not in old]) == 1, 15), \
            server.log()
        # ... the site serves, and a new stats client is answered.
        assert requests.get(server.url("/"), timeout=10).text == "hello"
        assert requests.get(f"http://127.0.0.1:{http_port}/metrics", timeout=10).status_code == 200
        assert len(stats(stats_port)["workers"]) == 2
    finally:
        for s in hogs:
            s.close()
        server.stop()


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_uwsgitop_shows_the_workers(tmp_path):
    server, stats_port = start(tmp_path)
    tmux = ["tmux", "-L", f"appserver-test-{uuid.uuid4().hex[:8]}"]
    try:
        for _ in range(5):
            requests.get(server.url("/"), timeout=10)
        pids = server.workers()
        subprocess.run([*tmux, "new-session", "-d", "-x", "200", "-y", "40",
                        f"/usr/bin/python3 {UWSGITOP} 127.0.0.1:{stats_port}"], check=True, timeout=10)

        def screen():
            return subprocess.run([*tmux, "capture-pane", "-p"], capture_output=True, text=True, timeout=10).stdout

        def shows_workers():
            text = screen()
            return "WID" in text and all(re.search(rf"^\s*\d+\s+\S+\s+{pid}\s", text, re.M) for pid in pids)

        assert wait_until(shows_workers, 15), screen()
        assert "req: 5" in screen()
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True, timeout=10)
        server.stop()


METRIC_LINE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
                         r'(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*)\})? (-?[0-9.e+-]+|\+Inf|NaN)$')


def check_exposition(text):
    """A strict reading of the text format (used when promtool is missing): every sample follows its
    family's HELP and TYPE, names are valid, counters end in _total, histogram buckets are cumulative
    and end with +Inf equal to _count."""
    families, current, buckets = {}, None, []
    for line in text.splitlines():
        if line.startswith("# HELP "):
            current = line.split()[2]
            assert current not in families, f"family {current} twice"
            families[current] = None
            continue
        if line.startswith("# TYPE "):
            name, kind = line.split()[2:4]
            assert name == current and kind in ("counter", "gauge", "histogram"), line
            families[name] = kind
            continue
        m = METRIC_LINE.match(line)
        assert m, f"not a sample line: {line!r}"
        name, value = m.group(1), float(m.group(4))
        kind = families[current]
        if kind == "counter":
            assert name == current and name.endswith("_total"), line
        elif kind == "histogram":
            assert name in (current + "_bucket", current + "_sum", current + "_count"), line
            if name.endswith("_bucket"):
                assert not buckets or value >= buckets[-1], f"buckets not cumulative: {line}"
                buckets.append(value)
            if name.endswith("_count"):
                assert buckets and 'le="+Inf"' in text and value == buckets[-1]
        else:
            assert name == current, line
    return families


def test_metrics_pass_promtool(tmp_path):
    port, prom_port = free_port(), free_port()
    server = Server(["--http-socket", f"127.0.0.1:{port}", "--wsgi-file", APP, "--processes", "2",
                     "--stats-prometheus", f"127.0.0.1:{prom_port}"], tmp_path, port=port).start()
    try:
        for path in ("/", "/", "/boom", "/missing"):
            requests.get(server.url(path), timeout=10)

        def metrics():
            return requests.get(f"http://127.0.0.1:{prom_port}/metrics", timeout=10).text

        # Counted just after each response is written; both workers serving.
        assert wait_until(lambda: "appserver_request_duration_seconds_count 4" in metrics()
                          and 'appserver_workers{state="idle"} 2' in metrics())
        text = metrics()
        families = check_exposition(text)
        for name in ("appserver_requests_total", "appserver_request_duration_seconds", "appserver_requests_in_flight",
                     "appserver_workers", "appserver_worker_respawns_total", "appserver_harakiri_total",
                     "appserver_listen_queue", "appserver_listen_queue_full_total", "appserver_received_bytes_total",
                     "appserver_sent_bytes_total", "appserver_worker_resident_memory_bytes", "python_info"):
            assert name in families, name
        assert "appserver_request_duration_seconds_count 4" in text
        assert 'appserver_workers{state="idle"} 2' in text
        if shutil.which("promtool") is None:
            pytest.skip("promtool (Debian's prometheus package) is not installed; the strict parser passed")
        check = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True, text=True,
                               timeout=30)
        assert check.returncode == 0, check.stdout + check.stderr
        assert check.stdout.strip() == "" and check.stderr.strip() == "", check.stdout + check.stderr
    finally:
        server.stop()


def http_over_unix(path, request=b"GET /metrics HTTP/1.0\r\n\r\n"):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(10)
        s.connect(path)
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


def test_stats_survive_a_reload(tmp_path, sock_dir):
    # A worker holding the stats socket would keep it bound: the re-executed master could not
    # bind it again and would exit.
    stats_sock = os.path.join(sock_dir, "metrics.sock")
    port, stats_port = free_port(), free_port()
    server = Server(["--http-socket", f"127.0.0.1:{port}", "--wsgi-file", APP, "--processes", "2",
                     "--stats", f"127.0.0.1:{stats_port}", "--stats-prometheus", stats_sock], tmp_path,
                    port=port).start()
    try:
        old = set(server.wait_workers(2))
        assert stats(stats_port)["workers"]
        server.signal(signal.SIGHUP)
        assert wait_until(lambda: "retiring 2 worker(s)" in server.log() or server.proc.poll() is not None, 20)
        assert server.proc.poll() is None, server.log()
        assert wait_until(lambda: not any(pid_alive(p) for p in old), 15)
        doc = stats(stats_port)
        assert len(doc["workers"]) == 2 and {w["pid"] for w in doc["workers"]}.isdisjoint(old)
        assert b"\r\n\r\n# HELP appserver_requests_total" in http_over_unix(stats_sock)
    finally:
        server.stop()


def test_harakiri_and_respawn_are_counted(tmp_path):
    server, stats_port = start(tmp_path, "--harakiri", "1", processes=1)
    try:
        first = server.workers()[0]
        client = connect(("127.0.0.1", server.port))
        client.sendall(b"GET /slow?10 HTTP/1.1\r\nHost: x\r\n\r\n")
        wait_entered(tmp_path)
        assert wait_until(lambda: (w := stats(stats_port)["workers"][0])["pid"] not in (first, 0)
                          and w["accepting"], 20), server.log()
        worker = stats(stats_port)["workers"][0]
        assert worker["harakiri_count"] == 1
        assert worker["respawn_count"] == 2
        assert worker["requests"] == 0  # the new process has served nothing yet
        assert requests.get(server.url("/"), timeout=10).text == "hello"
        client.close()
    finally:
        server.stop()


def test_stats_http_without_stats_is_warned_about(tmp_path):
    port = free_port()
    server = Server(["--http-socket", f"127.0.0.1:{port}", "--wsgi-file", APP, "--stats-http"], tmp_path,
                    port=port).start()
    try:
        assert wait_until(lambda: "stats-http is set without stats = ADDR" in server.log()), server.log()
    finally:
        server.stop()


def test_requests_refused_before_the_app_are_counted(tmp_path):
    port, prom_port = free_port(), free_port()
    server = Server(["--http-socket", f"127.0.0.1:{port}", "--wsgi-file", APP, "--stats-prometheus",
                     f"127.0.0.1:{prom_port}"], tmp_path, port=port).start()
    try:
        s = connect(("127.0.0.1", port))
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.1 400")
        s.close()

        def metrics():
            return requests.get(f"http://127.0.0.1:{prom_port}/", timeout=10).text

        assert wait_until(lambda: 'appserver_requests_total{status="4xx"} 1' in metrics()), metrics()
        assert 'appserver_refused_requests_total{status="4xx"} 1' in metrics()
        assert "appserver_request_duration_seconds_count 0" in metrics()  # the app never ran
    finally:
        server.stop()


def test_stats_address_taken_stops_the_start_but_not_a_reload(tmp_path):
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    taken_port = taken.getsockname()[1]
    try:
        port = free_port()
        first = Server(["--http-socket", f"127.0.0.1:{port}", "--wsgi-file", APP, "--stats",
                        f"127.0.0.1:{taken_port}"], tmp_path, port=port).start(wait_port=False)
        assert first.wait(timeout=20) == 1
        assert f'stats server: bind("127.0.0.1:{taken_port}") failed (98: Address already in use)' in first.log()
        first.stop()

        stats_port = free_port()
        ini = tmp_path / "app.ini"
        ini.write_text(f"[uwsgi]\nhttp-socket = 127.0.0.1:{port}\nwsgi-file = {APP}\nstats = 127.0.0.1:{stats_port}\n")
        server = Server(["--ini", str(ini)], tmp_path, port=port).start()
        try:
            server.wait_workers(1)
            ini.write_text(ini.read_text().replace(f":{stats_port}", f":{taken_port}"))
            server.signal(signal.SIGHUP)
            assert wait_until(lambda: "serving without it" in server.log() or server.proc.poll() is not None, 20)
            assert server.proc.poll() is None, server.log()
            assert wait_until(lambda: _answers(port), 10)
        finally:
            server.stop()
    finally:
        taken.close()
