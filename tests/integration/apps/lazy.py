"""Records which process imported it: with lazy-apps every worker imports the app itself."""
import os

IMPORTED_IN = os.getpid()


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"{IMPORTED_IN} {os.getpid()}".encode()]
