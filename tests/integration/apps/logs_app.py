"""Responses the access-log tests (tests/chaos/test_logging.py) tell apart by their line.

GET /status/N      status N, body "x"
GET /sleep?ms=N    sleeps N ms, then 200 "slow"
GET /big?n=N       200 with N bytes
GET /empty         200 with an empty body
GET /file?path=P   P through wsgi.file_wrapper (sent with sendfile)
anything else      200 "hello" (Content-Length set)
"""
import time
from urllib.parse import parse_qs


def application(environ, start_response):
    path = environ["PATH_INFO"]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if path.startswith("/status/"):
        code = int(path.rsplit("/", 1)[1])
        start_response(f"{code} Whatever", [("Content-Type", "text/plain"), ("Content-Length", "1")])
        return [b"x"]
    if path == "/sleep":
        time.sleep(int(query["ms"][0]) / 1000)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "4")])
        return [b"slow"]
    if path == "/big":
        n = int(query["n"][0])
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(n))])
        return [b"b" * n]
    if path == "/empty":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "0")])
        return [b""]
    if path == "/file":
        f = open(query["path"][0], "rb")
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return environ["wsgi.file_wrapper"](f, 65536)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]
