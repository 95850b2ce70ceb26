"""Streams `piece` bytes every `interval_ms` for `seconds` (a steady producer; no Content-Length).

GET /?piece=65536&interval_ms=10&seconds=10. The pace is kept against a fixed schedule, so the
average rate is exact even when a sleep overshoots.
"""
import time
from urllib.parse import parse_qs


def application(environ, start_response):
    query = parse_qs(environ.get("QUERY_STRING", ""))
    piece = int(query.get("piece", ["65536"])[0])
    interval = float(query.get("interval_ms", ["10"])[0]) / 1000.0
    seconds = float(query.get("seconds", ["1"])[0])
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    data = b"x" * piece

    def body():
        start = time.monotonic()
        for k in range(int(seconds / interval)):
            delay = start + k * interval - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            yield data

    return body()
