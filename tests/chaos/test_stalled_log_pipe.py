"""stderr a pipe nobody reads: `appserver ... | sleep 600`, a stuck log shipper, a journal that does
not keep up. The server's lines (its own and the access lines) must not freeze the workers once the
pipe's 64 KiB are full: they are dropped, counted, and the loss is said once the pipe takes lines
again (src/log/log_target.h). uWSGI and Gunicorn block there: every worker stops answering."""
import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time

from harness import APPS, BINARY, can_connect, children_of, free_port, pid_alive, plugin_args, plugin_env, wait_until
from rawhttp import RawConnection

# Reads stdin 1 KiB at a time with a pause between reads, into the file named by argv[1].
SLOW_READER = """
import os, sys, time
with open(sys.argv[1], "wb", buffering=0) as out:
    while chunk := os.read(0, 1024):
        out.write(chunk)
        time.sleep(0.0005)
"""


@contextlib.contextmanager
def serving_into_a_pipe(tmp_path, *args):
    """The server on a fresh port with its stdout and stderr the write end of a pipe; yields (port, the
    read end). Every process it started is SIGKILLed by pid at the end, and the read end closed."""
    port = free_port()
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    env.update(plugin_env())
    read_end, write_end = os.pipe()
    proc = subprocess.Popen([BINARY, "--http", f"127.0.0.1:{port}", "--wsgi-file", str(APPS / "logs_app.py"),
                             *args, *plugin_args()],
                            cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=write_end, stderr=write_end)
    os.close(write_end)
    pids = {proc.pid}
    try:
        assert wait_until(lambda: proc.poll() is not None or can_connect(("127.0.0.1", port)), 15)
        assert proc.poll() is None
        pids.update(children_of(proc.pid))
        yield port, read_end
    finally:
        pids.update(children_of(proc.pid))
        for pid in pids:
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=10)
        os.close(read_end)


def test_a_stderr_pipe_nobody_reads_does_not_freeze_the_workers(tmp_path):
    got = []
    # One worker: the note comes from the worker that lost the lines.
    with serving_into_a_pipe(tmp_path, "--processes", "1") as (port, read_end):
        # Each request logs a line of about 150 bytes: 3,000 are several times the pipe's 64 KiB.
        conn = RawConnection(port, timeout=5)
        started = time.monotonic()
        try:
            for i in range(3000):
                conn.send(f"GET /r?{i} HTTP/1.1\r\nHost: h\r\n\r\n".encode())
                assert conn.read_response().status == 200, i
        finally:
            conn.sock.close()
        assert time.monotonic() - started < 30
        # Someone reads the pipe again: the next lines go out, after a note of how many were lost.
        reader = threading.Thread(target=lambda: [got.append(c) for c in iter(lambda: os.read(read_end, 65536), b"")],
                                  daemon=True)
        reader.start()

        def lost_noted():
            for i in range(4):
                c = RawConnection(port, timeout=5)
                c.send(f"GET /after?{i} HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n".encode())
                assert c.read_response().status == 200
                c.sock.close()
            return b"log line(s) lost" in b"".join(got) and b"/after?" in b"".join(got)

        assert wait_until(lost_noted, 15), b"".join(got)[-2000:]
        # Counted, not guessed: the worker that served the 3,000 lost most of their lines.
        counts = [int(line.split(b" log line(s) lost")[0].split()[-1])
                  for line in b"".join(got).splitlines() if b"log line(s) lost" in line]
        assert sum(counts) >= 2000, counts


def test_batched_access_lines_into_a_shared_stderr_pipe_stay_whole(tmp_path):
    """Two workers' batches of log-format lines into one pipe: each write must be whole lines within
    the pipe's atomic size (4 KiB), or one worker's line lands inside another's. The reader is slow
    on purpose, so that the pipe is often full and writers have to go on where they stopped."""
    pad = "p" * 200
    failures = []

    def client(port, k):
        try:
            conn = RawConnection(port, timeout=10)
            for batch in range(10):  # 30 pipelined requests: batches of about 6 KiB of lines
                conn.send(b"".join(f"GET /c{k}?n={batch * 30 + i} HTTP/1.1\r\nHost: h\r\n\r\n".encode()
                                   for i in range(30)))
                for _ in range(30):
                    assert conn.read_response().status == 200
            conn.sock.close()
        except Exception as e:  # noqa: BLE001 -- reported below
            failures.append(repr(e))

    out = tmp_path / "read.log"
    with serving_into_a_pipe(tmp_path, "--processes", "2", "--log-format", f"%(uri) %(status) {pad}") \
            as (port, read_end):
        # The slow reader is a process of its own: a thread here would starve behind the clients' GIL.
        reader = subprocess.Popen([sys.executable, "-c", SLOW_READER, str(out)], stdin=read_end)
        try:
            clients = [threading.Thread(target=client, args=(port, k)) for k in range(8)]
            for t in clients:
                t.start()
            for t in clients:
                t.join(60)
            assert not failures, failures
            wanted = {f"/c{k}?n={n} 200 {pad}" for k in range(8) for n in range(300)}
            text = lambda: out.read_text(errors="replace") if out.exists() else ""
            # Everything but the server's own whole lines (spdlog's "[time] [pid] [level] ..." with no
            # piece of an access line in it) must be an access line. Not a match on "/c": the
            # checkout's path is in the startup lines, and CI's is /check/... .
            own = re.compile(r"\[[0-9-]+ [0-9:.]+\] \[\d+\] \[\w+\] .*")
            is_own = lambda l: own.fullmatch(l) and "?n=" not in l and "ppppp" not in l
            lines = lambda: [l for l in text().splitlines() if l and not is_own(l)]
            # This reader is slower than the workers write, and a wait for it that runs out (100 ms on
            # these shared cores) makes them drop lines, counted in a note that comes with the next
            # line that goes through (which may never come here). What must never happen is a line
            # cut by another's, or one written twice.
            wait_until(lambda: len(lines()) >= len(wanted), 5)
            torn = [l for l in lines() if l not in wanted]
            assert not torn, torn[:3]
            assert len(lines()) == len(set(lines())) >= 0.25 * len(wanted)
        finally:
            reader.kill()
            reader.wait(timeout=10)
