"""The bench's body scenarios (bench/scenarios.py), the same file for every server:
  POST /read   reads wsgi.input in 64 KiB reads (as frameworks do) and answers the byte count
  GET  /big    answers 1 MiB made once at import (the server's cost of sending it, not the app's)
  anything else: a short hello"""

CHUNK = 64 * 1024
BIG = b"x" * (1024 * 1024)


def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if path == "/read":
        stream = environ["wsgi.input"]
        total = 0
        while True:
            chunk = stream.read(CHUNK)
            if not chunk:
                break
            total += len(chunk)
        body = b"%d\n" % total
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    if path == "/big":
        start_response("200 OK", [("Content-Type", "application/octet-stream"), ("Content-Length", str(len(BIG)))])
        return [BIG]
    body = b"Hello from appserver\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
