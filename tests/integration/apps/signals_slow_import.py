"""An app whose import is slow: each import appends the importing pid to $SIGNALS_IMPORT_LOG (a line
"start PID" on entry, "done PID" at the end), then sleeps $SIGNALS_IMPORT_SLEEP seconds in between."""
import os
import time

_log = os.environ["SIGNALS_IMPORT_LOG"]
with open(_log, "a") as f:
    f.write(f"start {os.getpid()}\n")
time.sleep(float(os.environ.get("SIGNALS_IMPORT_SLEEP", "2")))
with open(_log, "a") as f:
    f.write(f"done {os.getpid()}\n")


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(os.getpid()).encode()]
