"""A stand-in for `celery worker` under attach-daemon (tests/integration/test_attach_daemon.py): notes
each start and stop (with its pid) in the file named by argv[1]; with argv[2] == "ignore-term" it
ignores SIGTERM (a daemon that will not stop). Ends by itself after 120 s at the latest."""
import os
import signal
import sys
import time

record = sys.argv[1]
mode = sys.argv[2] if len(sys.argv) > 2 else ""


def note(line):
    with open(record, "a") as f:
        f.write(line + "\n")


def on_term(signum, frame):
    note(f"stopped {os.getpid()}")
    os._exit(0)


signal.signal(signal.SIGTERM, signal.SIG_IGN if mode == "ignore-term" else on_term)
note(f"started {os.getpid()}")
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    time.sleep(0.05)
