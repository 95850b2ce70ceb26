"""For tests/integration/test_systemd_notify.py and test_socket_activation.py: / answers BODY (a file
next to this one when copied into a site, else "v1"); /env shows the service manager's variables the
app can see; /sleep?S holds the worker S seconds after marking entered.log."""
import json
import os
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SEEN = ("LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES", "NOTIFY_SOCKET", "WATCHDOG_USEC")


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/env":
        body = json.dumps({k: os.environ.get(k) for k in SEEN}).encode()
    elif path == "/sleep":
        with open(os.path.join(os.getcwd(), "entered.log"), "a") as f:
            f.write(f"{os.getpid()} sleep\n")
        time.sleep(float(environ["QUERY_STRING"] or "1"))
        body = b"slept"
    else:
        try:
            with open(os.path.join(HERE, "BODY")) as f:
                body = f.read().encode()
        except OSError:
            body = b"v1"
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body]
