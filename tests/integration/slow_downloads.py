"""Many slow downloads at once, and how fast another request is answered meanwhile (the offload tests
for wsgi.file_wrapper and for static files measure the same thing)."""
import sys
import threading
import time

from harness import wait_until


def latencies_beside_slow_downloads(start_download, measure, count=200, seconds=3):
    """Starts `count` downloads (start_download() returns a socket with its request sent), reads each
    slowly from one thread, and calls measure() (a request's duration) every 50 ms for `seconds`.
    Returns (latencies, bytes read per download, read errors)."""
    clients, got, errors = [], [0] * count, []
    stop = threading.Event()

    def read_slowly():
        # Each client takes up to 8 KiB every 5 ms (at most 1.6 MB/s: a 100 MB file lasts a minute).
        while not stop.is_set():
            for i, s in enumerate(clients):
                try:
                    data = s.recv(8192)
                except BlockingIOError:
                    continue
                except OSError as e:
                    errors.append(repr(e))
                    continue
                got[i] += len(data)
            time.sleep(0.005)

    latencies = []
    old_interval = sys.getswitchinterval()
    sys.setswitchinterval(0.0005)  # the readers' thread must not delay the measuring one
    reader = threading.Thread(target=read_slowly)
    try:
        for _ in range(count):
            s = start_download()
            s.setblocking(False)
            clients.append(s)
        reader.start()
        # Every download has begun (or, with a blocking send, the first ones hold the workers).
        wait_until(lambda: all(n > 0 for n in got), timeout=10)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            latencies.append(measure())
            time.sleep(0.05)
    finally:
        stop.set()
        if reader.is_alive():
            reader.join(timeout=10)
        sys.setswitchinterval(old_interval)
        for s in clients:
            s.close()
    return latencies, got, errors
