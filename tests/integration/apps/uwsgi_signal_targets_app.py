"""uWSGI signals for the processes other units own (tests/integration/test_uwsgi_signal_targets.py):
handlers registered at import for the "mules", "mule1", "mule" and "spooler" targets note where
they ran; GET /N raises signal N from a worker."""
import os

import uwsgi

OUT = os.path.join(os.getcwd(), "signals.log")


def note(num):
    spooler = getattr(uwsgi, "i_am_the_spooler", lambda: None)()
    where = "spooler" if spooler else "mule%d" % uwsgi.mule_id() if uwsgi.mule_id() else "worker"
    with open(OUT, "a") as f:
        f.write("%d %s %d\n" % (num, where, os.getpid()))


uwsgi.register_signal(10, "mules", note)
uwsgi.register_signal(11, "spooler", note)
uwsgi.register_signal(12, "mule1", note)
uwsgi.register_signal(13, "mule", note)


def application(environ, start_response):
    uwsgi.signal(int(environ["PATH_INFO"][1:]))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"raised"]
