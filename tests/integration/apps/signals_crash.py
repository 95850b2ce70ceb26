"""Routes that kill the worker serving them (a bad URL): the rest of the site must keep answering."""
import os
import signal


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    if path == "/exit":
        os._exit(1)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(os.getpid()).encode()]
