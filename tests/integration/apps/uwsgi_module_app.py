"""An app written the way public code uses uWSGI's module: a @postfork database reconnect, the
facts, uwsgi.atexit. Writes what it saw into files under $UWSGI_MODULE_DIR."""
import json
import os

import uwsgi
from uwsgidecorators import postfork

OUT = os.environ["UWSGI_MODULE_DIR"]
IMPORTED_IN = os.getpid()


@postfork
def reconnect_database():
    # A "database connection" per worker: the pid that reconnected, and the worker id it saw.
    with open(os.path.join(OUT, "db-%d" % os.getpid()), "w") as f:
        f.write(str(uwsgi.worker_id()))


@postfork
def second_hook():
    # Called after reconnect_database, in order.
    assert os.path.exists(os.path.join(OUT, "db-%d" % os.getpid()))
    open(os.path.join(OUT, "second-%d" % os.getpid()), "w").close()


def goodbye():
    with open(os.path.join(OUT, "atexit-%d" % os.getpid()), "w") as f:
        f.write(str(uwsgi.worker_id()))


uwsgi.atexit = goodbye


def plain(value):
    if isinstance(value, bytes):
        return {"bytes": value.decode()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def application(environ, start_response):
    uwsgi.log("uwsgi-module-app: request in worker %d" % uwsgi.worker_id())
    body = json.dumps({
        "pid": os.getpid(),
        "imported_in": IMPORTED_IN,
        "worker_id": uwsgi.worker_id(),
        "masterpid": uwsgi.masterpid(),
        "numproc": uwsgi.numproc,
        "opt": {k: plain(v) for k, v in uwsgi.opt.items()},
        "version": plain(uwsgi.version),
        "version_info": plain(list(uwsgi.version_info)),
        "hostname": plain(uwsgi.hostname),
        "started_on": uwsgi.started_on,
        "total_requests": uwsgi.total_requests(),
        "request_id": uwsgi.request_id(),
        "accepting": uwsgi.accepting(),
    }).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [body]
