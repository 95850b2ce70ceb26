"""For tests/integration/test_stats.py and tests/chaos/test_signals_under_load.py: / answers hello,
/boom raises, /slow?SECONDS sleeps (after writing a line to ./entered.log, so a test knows the
request is inside the app)."""
import time


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/boom":
        raise RuntimeError("boom")
    if path == "/slow":
        with open("entered.log", "a") as f:
            f.write(environ.get("QUERY_STRING", "") + "\n")
        time.sleep(float(environ.get("QUERY_STRING") or 5))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]
