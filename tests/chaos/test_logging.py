"""Access-log formats, filters and loggers against the real binary (issue 11, docs/logging.md).

What a user sees: the lines in the file, on the syslog socket, in the journal's stream. uWSGI's
meanings were checked against Debian's uwsgi 2.0.21 and nginx 1.22 (whose combined line the
`combined` format must equal byte for byte).
"""
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest

from harness import APPS, BINARY, can_connect, free_port, run_cli, wait_until
from nginx import NGINX, Nginx
from rawhttp import RawConnection

APP = "logs_app.py"


def get(port, path, headers=(), version="1.1"):
    conn = RawConnection(port)
    try:
        extra = "".join(f"{k}: {v}\r\n" for k, v in headers)
        conn.send(f"GET {path} HTTP/{version}\r\nHost: h\r\n{extra}Connection: close\r\n\r\n".encode("latin-1"))
        return conn.read_response()
    finally:
        conn.sock.close()


def lines_of(path, pattern=None):
    try:
        text = Path(path).read_text(errors="replace")
    except OSError:
        return []
    return [line for line in text.splitlines() if pattern is None or pattern in line]


def wait_lines(path, count, pattern=None, timeout=10):
    assert wait_until(lambda: len(lines_of(path, pattern)) >= count, timeout), lines_of(path)
    return lines_of(path, pattern)


@pytest.mark.skipif(not os.path.exists(NGINX), reason="needs Debian's nginx")
def test_combined_is_byte_identical_to_real_nginx_combined(serve, tmp_path, sock_dir):
    sock = os.path.join(sock_dir, "app.sock")
    access = tmp_path / "access.log"
    serve(APP, "--socket", sock, "--log-format", "combined", "--req-logger", f"file:{access}")
    assert wait_until(lambda: os.path.exists(sock))
    nginx = Nginx(tmp_path, [sock]).start()
    try:
        headers = [("User-Agent", 'Mozilla/5.0 "quoted" \\ \xe9t\xe9'), ("Referer", "http://example.com/a?b=1")]
        for path in ("/hello?x=1&y=%22", "/status/404", "/big?n=1234"):
            get(nginx.port, path, headers)
        ours = wait_lines(access, 3)
        theirs = wait_lines(nginx.dir / "access.log", 3)
    finally:
        nginx.stop()
    # The same second cannot be promised: the time is compared by shape, the rest byte for byte.
    stamp = re.compile(r"\[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]")
    for mine, nginx_line in zip(ours, theirs):
        assert stamp.search(mine), mine
        assert stamp.sub("[T]", mine) == stamp.sub("[T]", nginx_line)
    assert '"GET /status/404 HTTP/1.1" 404 1 "http://example.com/a?b=1"' in ours[1]
    assert r'"Mozilla/5.0 \x22quoted\x22 \x5C \xE9t\xE9"' in ours[0]


def test_filters_log_under_disable_logging_as_uwsgi(serve, tmp_path):
    access = tmp_path / "access.log"
    data = tmp_path / "blob.bin"
    data.write_bytes(b"z" * 5000)
    s = serve(APP, "--disable-logging", "--log-4xx", "--log-slow", "300", "--log-big", "2000", "--log-zero",
              "--log-sendfile", "--log-format", "%(uri) %(status) %(rsize) %(via)", "--req-logger",
              f"file:{access}")
    for path in ("/hello", "/status/500", "/status/404", "/sleep?ms=400", "/big?n=3000", "/big?n=100",
                 "/empty", f"/file?path={data}", "/status/201"):
        get(s.port, path)
    get(s.port, "/done-marker")  # nothing logs it: wait for the lines before it instead
    lines = wait_lines(access, 5)
    time.sleep(0.3)  # a line that should not be there would have come with the others
    assert lines_of(access) == [
        "/status/404 404 1 app",
        "/sleep?ms=400 200 4 app",
        "/big?n=3000 200 3000 app",
        "/empty 200 0 app",
        f"/file?path={data} 200 5000 sendfile",
    ]
    # Without disable-logging every request has its line; log-5xx logs 5xx only under it.
    quiet = serve(APP, "--disable-logging", "--log-5xx")
    get(quiet.port, "/status/503")
    get(quiet.port, "/status/404")
    assert wait_until(lambda: '"GET /status/503 HTTP/1.1" 503' in quiet.log())
    time.sleep(0.3)
    assert "/status/404" not in quiet.log()


def test_log_x_forwarded_for_logs_the_header_as_uwsgi_does(serve, tmp_path):
    access = tmp_path / "access.log"
    s = serve(APP, "--log-x-forwarded-for", "--log-format", "%(addr) %(uri)", "--req-logger", f"file:{access}")
    get(s.port, "/a", [("X-Forwarded-For", "9.9.9.9, 10.0.0.1")])
    get(s.port, "/b")
    assert wait_lines(access, 2) == ["9.9.9.9, 10.0.0.1 /a", "127.0.0.1 /b"]
    # forwarded-allow-ips without log-x-forwarded-for: REMOTE_ADDR is the checked client already.
    access2 = tmp_path / "access2.log"
    t = serve(APP, "--forwarded-allow-ips", "127.0.0.1", "--log-format", "%(addr) %(uri)", "--req-logger",
              f"file:{access2}")
    get(t.port, "/c", [("X-Forwarded-For", "9.9.9.9, 10.0.0.1")])
    assert wait_lines(access2, 1) == ["10.0.0.1 /c"]


def test_syslog_logger_sends_rfc3164_datagrams(serve, sock_dir):
    path = os.path.join(sock_dir, "log")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(path)
    receiver.settimeout(10)
    try:
        s = serve(APP, "--logger", "syslog:shop,local3", "--req-logger", "syslog:shop-access,local4",
                  "--log-format", "combined", env={"APPSERVER_SYSLOG_SOCKET": path})
        get(s.port, "/hello")
        got = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not any(b"GET /hello" in d for d in got):
            got.append(receiver.recv(65536))
    finally:
        receiver.close()
    server_lines = [d for d in got if d.startswith(b"<158>")]  # local3 (19 << 3) | info (6)
    assert server_lines, got
    assert re.match(rb"<158>\w{3} [ \d]\d \d\d:\d\d:\d\d shop\[\d+\]: \[info\] ", server_lines[0]), server_lines[0]
    access = [d for d in got if b"GET /hello" in d][0]
    assert re.match(rb'<166>\w{3} [ \d]\d \d\d:\d\d:\d\d shop-access\[\d+\]: 127\.0\.0\.1 - - \[.*\] '
                    rb'"GET /hello HTTP/1\.1" 200 5 "-" "-"$', access), access
    # Nothing of it went to stderr: the logger replaces it.
    assert "GET /hello" not in s.log()


def test_log_maxsize_rotates_without_losing_or_splitting_lines(serve, tmp_path):
    log = tmp_path / "server.log"
    s = serve(APP, "--processes", "2", "--logto", str(log), "--log-maxsize", "4000", "--log-format",
              "%(uri) %(status) %(rsize) padding-padding-padding-padding-padding")
    sent = 0
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not list(tmp_path.glob("server.log.*")):
        for _ in range(20):
            get(s.port, f"/hello?n={sent}")
            sent += 1
    rotated = list(tmp_path.glob("server.log.*"))
    assert rotated, "no rotation"
    assert re.fullmatch(r"server\.log\.\d{10}(\.\d+)?", rotated[0].name)
    get(s.port, "/after-rotation")
    assert wait_until(lambda: any("/after-rotation" in line for line in lines_of(log)))
    every = [line for f in [log, *rotated] for line in lines_of(f) if line.startswith("/hello?n=")]
    assert sorted(every, key=lambda l: int(l.split()[0].split("=")[1])) == [
        f"/hello?n={i} 200 5 padding-padding-padding-padding-padding" for i in range(sent)]
    assert "log-maxsize" in "".join(lines_of(log)) + "".join(lines_of(rotated[0]))


def test_reopen_on_sigusr1_opens_moved_log_files_again(serve, tmp_path):
    access = tmp_path / "access.log"
    s = serve(APP, "--log-format", "%(uri)", "--req-logger", f"file:{access}")
    get(s.port, "/one")
    wait_lines(access, 1)
    os.rename(access, tmp_path / "access.log.1")
    s.signal(signal.SIGUSR1)
    assert wait_until(lambda: access.exists())
    # The worker reopens on the master's SIGUSR1, a moment after the master: lines meanwhile end the old file.
    assert wait_until(lambda: get(s.port, "/two") and "/two" in lines_of(access), timeout=10)
    assert lines_of(tmp_path / "access.log.1")[0] == "/one"
    assert set(lines_of(access)) == {"/two"}


def test_journal_stream_gets_priority_prefixes_instead_of_a_timestamp(tmp_path):
    out = tmp_path / "journal.log"
    port = free_port()
    with open(out, "wb") as f:
        st = os.fstat(f.fileno())
        env = dict(os.environ, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
        env.pop("VIRTUAL_ENV", None)
        proc = subprocess.Popen([BINARY, "--http", f"127.0.0.1:{port}", "--wsgi-file", str(APPS / APP)],
                                cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=f, stderr=f)
    try:
        assert wait_until(lambda: can_connect(("127.0.0.1", port)))
        get(port, "/hello")
        assert wait_until(lambda: any("/hello" in line for line in lines_of(out)))
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    lines = lines_of(out)
    assert any(re.match(r"<6>\[\d+\] \[info\] appserver ", line) for line in lines), lines
    assert any(re.match(r'<6>\[\d+\] \[info\] 127\.0\.0\.1 "GET /hello HTTP/1\.1" 200 5 ', line) for line in lines)
    assert not any(line.startswith("[20") for line in lines), lines


def test_log_date_and_memory_report(serve):
    s = serve(APP, "--log-date", "%Y!%m!%d", "--memory-report")
    get(s.port, "/hello")
    assert wait_until(lambda: "GET /hello" in s.log())
    line = [line for line in s.log().splitlines() if "GET /hello" in line][0]
    assert re.match(r"\d{4}!\d\d!\d\d - \[\d+\] \[info\] 127\.0\.0\.1 \"GET /hello HTTP/1\.1\" 200 5 [\d.]+ms "
                    r"\{address space usage: [1-9]\d* bytes/\d+MB\} \{rss usage: [1-9]\d* bytes/\d+MB\}$", line), line
    bare = serve(APP, "--log-date")
    assert wait_until(lambda: "serving" in bare.log())
    for line in bare.log().splitlines():  # ctime's shape, as uWSGI's bare log-date
        assert re.match(r"\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} - \[\d+\] \[\w+\] ", line), line


def test_a_logger_appserver_cannot_serve_is_refused_at_start(tmp_path):
    r = run_cli(["--http", "127.0.0.1:1", "--wsgi-file", str(APPS / APP), "--logger", "redislog:127.0.0.1",
                 "--check-config"], cwd=tmp_path)
    assert r.returncode == 1
    assert "logger 'redislog:127.0.0.1' not supported" in r.stderr + r.stdout


def test_a_reload_keeps_the_format_and_the_targets(serve, tmp_path):
    access = tmp_path / "access.log"
    s = serve(APP, "--log-format", "%(pid) %(uri)", "--req-logger", f"file:{access}")
    get(s.port, "/before")
    before_pid = wait_lines(access, 1)[0].split()[0]
    s.signal(signal.SIGHUP)
    assert wait_until(lambda: "generation 1" in s.log(), timeout=20), s.log()

    def logged_by_a_new_worker():
        get(s.port, "/after")
        return any(l.endswith(" /after") and l.split()[0] != before_pid for l in lines_of(access))
    assert wait_until(logged_by_a_new_worker, timeout=20), lines_of(access)


def test_batched_lines_are_whole_complete_and_written_when_the_loops_pass_ends(serve, tmp_path):
    """A worker's event loop writes the log-format lines of one pass together (docs/logging.md,
    "Cost"): under load every request still has exactly one whole line, and a lone request's line is
    in the file by the time its answer arrived plus a moment, without waiting for more traffic."""
    access = tmp_path / "access.log"
    s = serve(APP, "--processes", "2", "--log-format", "%(uri) %(status) %(rsize)",
              "--req-logger", f"file:{access}")
    def client(k):
        conn = RawConnection(s.port)
        try:
            for batch in range(5):  # 10 pipelined requests at a time: several lines per pass
                conn.send(b"".join(f"GET /c{k}?n={batch * 10 + i} HTTP/1.1\r\nHost: h\r\n\r\n".encode()
                                   for i in range(10)))
                for _ in range(10):
                    assert conn.read_response().status == 200
        finally:
            conn.sock.close()

    failures = []

    def run(k):
        try:
            client(k)
        except Exception as e:  # noqa: BLE001 -- reported by the assertion below
            failures.append(repr(e))

    threads = [threading.Thread(target=run, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not failures, failures
    wanted = sorted(f"/c{k}?n={n} 200 5" for k in range(8) for n in range(50))
    assert wait_until(lambda: len(lines_of(access)) >= len(wanted), 5), len(lines_of(access))
    assert sorted(lines_of(access)) == wanted
    assert get(s.port, "/lone").status == 200
    assert wait_until(lambda: "/lone 200 5" in lines_of(access), 1)


def test_harakiri_keeps_the_lines_of_requests_answered_before_in_the_same_pass(serve, tmp_path):
    access = tmp_path / "access.log"
    s = serve(APP, "--harakiri", "2", "--log-format", "%(uri) %(status)", "--req-logger", f"file:{access}")
    conn = RawConnection(s.port)
    try:
        # Pipelined: the loop answers /first, then enters /sleep in the same pass and harakiri ends
        # the worker from its watchdog thread while /first's line waits to be written.
        conn.send(b"GET /first HTTP/1.1\r\nHost: h\r\n\r\nGET /sleep?ms=30000 HTTP/1.1\r\nHost: h\r\n\r\n")
        assert conn.read_response().status == 200
    finally:
        conn.sock.close()
    assert wait_until(lambda: "harakiri" in s.log(), 10), s.log()
    assert wait_until(lambda: "/first 200" in lines_of(access), 5), lines_of(access)
