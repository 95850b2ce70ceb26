"""Signals, timers, crons and file monitors, registered at import in the master as public code does.
SIGNALS_OUT: the directory the handlers write to. Each handler appends "pid\\n" to OUT/<name>.log."""
import os
import time
from urllib.parse import parse_qs

import uwsgi

OUT = os.environ["SIGNALS_OUT"]


def note(name, text=None):
    with open(os.path.join(OUT, name + ".log"), "a") as f:
        f.write((text if text is not None else str(os.getpid())) + "\n")


def on_workers(num):
    note("workers")


def on_timer(num):
    note("timer-%d" % os.getpid())


def on_request_signal(num):
    note("request", "%d %d" % (num, os.getpid()))


def on_raising(num):
    note("raised")
    raise RuntimeError("handler of signal %d failed on purpose" % num)


def on_storm(num):
    note("storm", "")


def on_cron(num):
    note("cron")


def on_file(num):
    note("filemon")


def on_rb(num):
    note("rb")


uwsgi.register_signal(10, "workers", on_workers)
uwsgi.register_signal(11, "workers", on_timer)
uwsgi.add_timer(11, 1)
uwsgi.register_signal(12, "worker", on_request_signal)
uwsgi.register_signal(13, "worker", on_raising)
uwsgi.register_signal(14, "worker", on_storm)
uwsgi.register_signal(15, "worker", on_cron)
uwsgi.add_cron(15, -1, -1, -1, -1, -1)
uwsgi.register_signal(16, "worker", on_file)
os.makedirs(os.path.join(OUT, "watched"), exist_ok=True)
uwsgi.add_file_monitor(16, os.path.join(OUT, "watched"))
uwsgi.register_signal(17, "worker", on_rb)
uwsgi.add_rb_timer(17, 1, 2)
uwsgi.register_signal(18, "mules", on_rb)  # no mule configured: goes nowhere, logged once


def on_import_signal(num):
    note("from-import")


def on_ini_timer(num):
    note("ini-timer-%d" % num)


# Raised by the ini keys `timer = 20 1` / `rbtimer = 21 1` when a test sets them.
uwsgi.register_signal(20, "worker", on_ini_timer)
uwsgi.register_signal(21, "worker", on_ini_timer)

# Raised by the master itself, at import, before any worker exists: delivered once one reads it.
uwsgi.register_signal(19, "worker", on_import_signal)
uwsgi.signal(19)


def application(environ, start_response):
    path = environ["PATH_INFO"]
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    if path == "/signal":
        uwsgi.signal(int(query["n"]))
        body = "sent"
    elif path == "/storm":
        began = time.monotonic()
        for _ in range(int(query["count"])):
            uwsgi.signal(int(query["n"]))
        body = "%.3f" % (time.monotonic() - began)
    elif path == "/registered":
        body = repr(uwsgi.signal_registered(int(query["n"])))
    elif path == "/remote":
        try:
            uwsgi.signal(12, "127.0.0.1:1")
            body = "no error"
        except ValueError as e:
            body = "ValueError: %s" % e
    else:
        body = str(os.getpid())
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body.encode()]
