"""/sleep writes the file named by $PRIVS_MARKER (its pid) on entry, then sleeps 30 s; / answers at once."""
import os
import time


def application(environ, start_response):
    if environ["PATH_INFO"] == "/sleep":
        with open(os.environ["PRIVS_MARKER"], "w") as f:
            f.write(str(os.getpid()))
        time.sleep(30)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"awake"]
