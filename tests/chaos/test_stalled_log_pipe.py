"""stderr a pipe nobody reads: `appserver ... | sleep 600`, a stuck log shipper, a journal that does
not keep up. The server's lines (its own and the access lines) must not freeze the workers once the
pipe's 64 KiB are full: they are dropped, counted, and the loss is said once the pipe takes lines
again (src/log/log_target.h). uWSGI and Gunicorn block there: every worker stops answering."""
import os
import signal
import subprocess
import threading
import time

from harness import APPS, BINARY, can_connect, children_of, free_port, pid_alive, plugin_args, plugin_env, wait_until
from rawhttp import RawConnection


def test_a_stderr_pipe_nobody_reads_does_not_freeze_the_workers(tmp_path):
    port = free_port()
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    env.update(plugin_env())
    read_end, write_end = os.pipe()
    proc = subprocess.Popen([BINARY, "--http", f"127.0.0.1:{port}", "--wsgi-file", str(APPS / "logs_app.py"),
                             "--processes", "2", *plugin_args()],
                            cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=write_end, stderr=write_end)
    os.close(write_end)
    pids = {proc.pid}
    got = []
    try:
        assert wait_until(lambda: proc.poll() is not None or can_connect(("127.0.0.1", port)), 15)
        assert proc.poll() is None
        pids.update(children_of(proc.pid))
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
    finally:
        pids.update(children_of(proc.pid))
        for pid in pids:
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
        proc.wait(timeout=10)
        os.close(read_end)
