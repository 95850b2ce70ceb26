"""Each worker starts, on its first request, a non-daemon thread that never ends: a worker that
retires then waits forever in Py_Finalize for it (the master must kill it after the mercy)."""
import os
import threading
import time

_started = False


def _forever():
    while True:
        time.sleep(1)


def application(environ, start_response):
    global _started
    if not _started:
        _started = True
        threading.Thread(target=_forever, daemon=False).start()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(os.getpid()).encode()]
