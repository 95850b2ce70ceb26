"""uwsgi.reload / stop / set_user_harakiri / logsize and @harakiri, as public code uses them."""
import os
import time
from urllib.parse import parse_qs

import uwsgi
from uwsgidecorators import harakiri


@harakiri(1)
def slow_decorated(seconds):
    time.sleep(seconds)


def application(environ, start_response):
    path = environ["PATH_INFO"]
    q = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    body = "?"
    if path == "/pid":
        body = "pid"
    elif path == "/reload":
        body = repr(uwsgi.reload())
    elif path == "/stop":
        body = repr(uwsgi.stop())
    elif path == "/user-harakiri":
        uwsgi.set_user_harakiri(int(q["s"]))
        if q.get("clear"):
            uwsgi.set_user_harakiri(0)
        with open("entered.log", "a") as f:
            f.write("%d\n" % os.getpid())
        time.sleep(float(q["sleep"]))
        body = "survived"
    elif path == "/decorated":
        with open("entered.log", "a") as f:
            f.write("%d\n" % os.getpid())
        slow_decorated(float(q["sleep"]))
        body = "survived"
    elif path == "/logsize":
        body = str(uwsgi.logsize())
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("%s pid=%d" % (body, os.getpid())).encode()]
