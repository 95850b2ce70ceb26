"""A site with mules, used the way public code uses them: a request queues a message for a mule,
a @mulefunc call runs in the mule (tests/integration/test_uwsgi_mules.py)."""
import os
import time
from urllib.parse import parse_qs

import uwsgi
from uwsgidecorators import mulefunc, mulemsg

OUT = os.environ["MULES_OUT"]


def write(name, text):
    tmp = os.path.join(OUT, name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, os.path.join(OUT, name))


@mulefunc(int(os.environ.get("MULES_FUNC_MULE", "0")))
def record(tag, worker_pid=0):
    write("mulefunc-" + tag, "%d %d %d" % (os.getpid(), uwsgi.mule_id(), worker_pid))


# @mulemsg(N): mule N (the post-fork hook runs in mules too) hands each message to this function.
@mulemsg(int(os.environ.get("MULES_MSG_MULE", "-1")))
def on_message(message):
    text = message.decode()
    write(text.split(":", 1)[0], "%d %d %s" % (uwsgi.mule_id(), os.getpid(), text))


def send(q, to):
    if to is None:
        return uwsgi.mule_msg(q["msg"])
    if to.isdigit():
        return uwsgi.mule_msg(q["msg"].encode(), int(to))
    return uwsgi.mule_msg(q["msg"], to)


def application(environ, start_response):
    q = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    path = environ["PATH_INFO"]
    if path == "/send":
        to = q.get("to")
        try:
            ok = send(q, to)
        except ValueError as e:
            ok = "ValueError: %s" % e
        body = ok if isinstance(ok, str) else repr(ok)
    elif path == "/flood":
        # Sends to mule 1 until the queue refuses one: how many fit, and how long that took.
        began = time.monotonic()
        sent = 0
        while sent < 100000 and uwsgi.mule_msg(b"x" * 1000, 1):
            sent += 1
        body = "%d %.3f" % (sent, time.monotonic() - began)
    elif path == "/call":
        record(q["tag"], worker_pid=os.getpid())
        body = str(os.getpid())
    else:
        body = "worker %d mule_id %d" % (uwsgi.worker_id(), uwsgi.mule_id())
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body.encode()]
