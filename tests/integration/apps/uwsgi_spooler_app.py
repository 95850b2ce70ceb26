"""A spooler app written the way public code uses uWSGI's spooler: uwsgi.spool() from a request,
a uwsgi.spooler function answering SPOOL_OK / SPOOL_RETRY, and uwsgidecorators' @spool. Each task
run appends a line to $SPOOLER_OUT/<name>.log: "<kind> <pid> <time>"."""
import json
import os
import time
from urllib.parse import parse_qs

import uwsgi
from uwsgidecorators import spool, spoolforever, manage_spool_request

OUT = os.environ["SPOOLER_OUT"]


def record(name, what):
    with open(os.path.join(OUT, name + ".log"), "a") as f:
        f.write("%s %d %.3f\n" % (what, os.getpid(), time.time()))


def runs(name):
    try:
        with open(os.path.join(OUT, name + ".log")) as f:
            return f.read().count("\n")
    except OSError:
        return 0


def spooler(env):
    if b"ud_spool_func" in env:  # a task of a uwsgidecorators function
        return manage_spool_request(env)
    kind = env[b"kind"].decode()
    name = env[b"name"].decode()
    # As uWSGI 2.0 on Python 3: the task's keys are bytes, these two str.
    assert env["spooler_task_name"].startswith(b"uwsgi_spoolfile_on_")
    before = runs(name)
    if kind == "write":
        # The body first: the tests take the recorded line as "the task ran", then read the body.
        if "body" in env:
            with open(os.path.join(OUT, name + ".body"), "wb") as f:
                f.write(env["body"])
        record(name, env.get(b"tag", b"write").decode())
        return uwsgi.SPOOL_OK
    if kind == "cwd":
        record(name, os.getcwd())
        return uwsgi.SPOOL_OK
    if kind == "ignore":
        record(name, "ignore")
        return uwsgi.SPOOL_IGNORE
    if kind == "retry_once":
        record(name, "retry_once")
        return uwsgi.SPOOL_RETRY if before == 0 else uwsgi.SPOOL_OK
    if kind == "raise_once":
        record(name, "raise_once")
        if before == 0:
            raise RuntimeError("boom from task " + name)
        return uwsgi.SPOOL_OK
    if kind == "hang_once":
        record(name, "hang_once")
        if before == 0:
            time.sleep(120)  # killed by the test
        return uwsgi.SPOOL_OK
    if kind == "slow":
        record(name, "slow-start")
        time.sleep(float(env[b"secs"]))
        record(name, "slow-end")
        return uwsgi.SPOOL_OK
    if kind == "count":
        record(name, env[b"seq"].decode())
        time.sleep(0.02)
        return uwsgi.SPOOL_OK
    raise ValueError("unknown kind " + kind)


uwsgi.spooler = spooler


@spool
def deco_plain(arguments):
    record(arguments["name"], "deco_plain")


@spool(pass_arguments=True)
def deco_args(name, count, scale=1):
    record(name, "deco_args %d" % (count * scale))


@spoolforever
def deco_forever(arguments):
    record(arguments["name"], "deco_forever")


def application(environ, start_response):
    query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    path = environ["PATH_INFO"]
    if path == "/spool":
        body = query.pop("body", None)
        task = {k.encode(): v.encode() for k, v in query.items()}
        if body is not None:
            task[b"body"] = body.encode()
        try:
            answer = uwsgi.spool(task)
        except ValueError as e:
            answer = ("ValueError: %s" % e).encode()
    elif path == "/spool-kwargs":
        answer = uwsgi.send_to_spooler(**{k: v.encode() for k, v in query.items()})
    elif path == "/deco":
        deco_plain(name=query["name"])
        deco_args(query["name"] + "-args", 6, scale=7)
        answer = b"ok"
    elif path == "/forever":
        deco_forever.spool(name=query["name"])
        answer = b"ok"
    elif path == "/info":
        answer = json.dumps({
            "spooler_pid": uwsgi.spooler_pid(),
            "spooler_pids": uwsgi.spooler_pids(),
            "spoolers": [d.decode() for d in uwsgi.spoolers],
            "jobs": [j.decode() for j in uwsgi.spooler_jobs()],
            "i_am_the_spooler": uwsgi.i_am_the_spooler(),
        }).encode()
    else:
        answer = b"?"
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return [answer]
