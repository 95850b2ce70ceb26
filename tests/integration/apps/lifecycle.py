"""The site of the lifecycle tests: copied into a temp directory, where the tests "deploy" by editing
VERSION (here) or GREETING (lifecycle_helper.py, a module imported from the app directory)."""
import os
import time

import lifecycle_helper

VERSION = "v1"
_kept = []


def mark_entered(path, qs):
    """Tells a test that a request is inside the app now (harness.wait_entered), instead of a guess by sleep."""
    with open(os.path.join(os.getcwd(), "entered.log"), "a") as f:
        f.write(f"{os.getpid()} {path}?{qs}\n")


def application(environ, start_response):
    path, qs = environ["PATH_INFO"], environ["QUERY_STRING"]
    if path == "/":
        body = f"{VERSION} {lifecycle_helper.GREETING}"
    elif path == "/sleep":
        mark_entered(path, qs)
        time.sleep(float(qs or "1"))
        body = str(os.getpid())
    elif path == "/alloc":
        _kept.append(b"x" * (int(qs or "100") << 20))  # written, so resident, and kept
        body = str(os.getpid())
    elif path == "/read-body":
        total = 0
        while chunk := environ["wsgi.input"].read(64 * 1024):  # as frameworks read bodies
            total += len(chunk)
        body = str(total)
    elif path == "/stream-then-sleep":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return _stream_then_sleep(float(qs or "10"))
    else:
        body = str(os.getpid())
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body.encode()]


def _stream_then_sleep(seconds):
    yield b"first part\n"
    time.sleep(seconds)
    yield b"never sent\n"
