"""uwsgi.lock / unlock / is_locked as public code uses them: a counter file updated under a lock
by every worker, a request that dies holding a lock, @lock from uwsgidecorators. Files go to the
server's working directory."""
import os
import time
from urllib.parse import parse_qs

import uwsgi
from uwsgidecorators import lock

COUNTER = "counter.txt"


def bump():
    try:
        with open(COUNTER) as f:
            value = int(f.read() or 0)
    except FileNotFoundError:
        value = 0
    time.sleep(0.002)  # widen the read-modify-write window: without the lock, updates get lost
    with open(COUNTER + ".tmp", "w") as f:
        f.write(str(value + 1))
    os.replace(COUNTER + ".tmp", COUNTER)


@lock
def bump_decorated():
    bump()


def application(environ, start_response):
    path = environ["PATH_INFO"]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    n = int(query.get("n", ["0"])[0])
    body = "ok"
    if path == "/incr":
        uwsgi.lock(n)
        try:
            bump()
        finally:
            uwsgi.unlock(n)
    elif path == "/incr-decorated":
        bump_decorated()
    elif path == "/hold":
        # Takes the lock and never gives it back: the test kills this worker (kill -9 or harakiri).
        uwsgi.lock(n)
        with open("holding-%d" % os.getpid(), "w") as f:
            f.write(str(uwsgi.is_locked(n)))
        time.sleep(60)
    elif path == "/take":
        uwsgi.lock(n)
        uwsgi.unlock(n)
        body = "took %d" % n
    elif path == "/is_locked":
        body = str(uwsgi.is_locked(n))
    elif path == "/range":
        answers = []
        for call in (uwsgi.lock, uwsgi.unlock, uwsgi.is_locked):
            try:
                call(n)
                answers.append("accepted")
            except ValueError as e:
                answers.append("ValueError: %s" % e)
        body = "|".join(answers)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("%s pid=%d" % (body, os.getpid())).encode()]
