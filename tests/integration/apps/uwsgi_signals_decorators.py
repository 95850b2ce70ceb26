"""uwsgidecorators' signal decorators, used as public code does (SIGNALS_OUT: where handlers write)."""
import os

import uwsgi
from uwsgidecorators import cron, filemon, get_free_signal, rbtimer, signal, timer

OUT = os.environ["SIGNALS_OUT"]
os.makedirs(os.path.join(OUT, "watched"), exist_ok=True)


def note(name, num):
    with open(os.path.join(OUT, name + ".log"), "a") as f:
        f.write("%d %d\n" % (num, os.getpid()))


@timer(1, target="workers")
def every_second(num):
    note("timer", num)


@rbtimer(1, signum=40)
def twice(num):
    note("rbtimer", num)


@cron(-1, -1, -1, -1, -1)
def every_minute(num):
    note("cron", num)


@filemon(os.path.join(OUT, "watched"))
def changed(num):
    note("filemon", num)


@signal(50)
def on_demand(num):
    note("signal", num)


FREE = get_free_signal()


def application(environ, start_response):
    if environ["PATH_INFO"] == "/raise":
        uwsgi.signal(50)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("free %d" % FREE).encode()]
