"""One route per behaviour the server must get right; the tests name the route they exercise."""
import hashlib
import os
import sys
import tempfile
import time

CLOSE_LOG = os.environ.get("CLOSE_LOG", os.path.join(tempfile.gettempdir(), "appserver-close.log"))


class Closing:
    """An iterable whose close() is recorded, to prove the server always calls it."""

    def __init__(self, name, chunks, fail_at=None):
        self.name, self.chunks, self.fail_at = name, chunks, fail_at

    def __iter__(self):
        for i, chunk in enumerate(self.chunks):
            if i == self.fail_at:
                raise RuntimeError("failure while streaming")
            yield chunk

    def close(self):
        with open(CLOSE_LOG, "a") as f:
            f.write(self.name + "\n")


class SleepyClose:
    """One block, then a close() that takes its time (a framework's teardown doing real work)."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __iter__(self):
        yield b"hello"

    def close(self):
        time.sleep(self.seconds)


def mark_entered(path, qs):
    """Tells a test that a request is inside the app now (harness.wait_entered), instead of a guess by sleep."""
    with open(os.path.join(os.getcwd(), "entered.log"), "a") as f:
        f.write(f"{os.getpid()} {path}?{qs}\n")


def application(environ, start_response):
    path = environ["PATH_INFO"]
    qs = environ["QUERY_STRING"]
    text = [("Content-Type", "text/plain")]

    if path == "/stream":
        start_response("200 OK", text)
        return (f"part {i}\n".encode() for i in range(5))
    if path == "/write":
        write = start_response("200 OK", text)
        write(b"written ")
        return [b"returned"]
    if path == "/error":
        raise ValueError("boom in the app")
    if path == "/error-after-start":
        start_response("200 OK", text)
        return Closing("error-after-start", [b"first ", b"second"], fail_at=1)
    if path == "/closing":
        start_response("200 OK", text)
        return Closing(qs or "closing", [b"a", b"b", b"c"])
    if path == "/slow-closing":
        start_response("200 OK", text)
        return Closing(qs or "slow", [b"x" * 65536] * 200)
    if path == "/sleepy-close":  # a body of known length whose close() takes `qs` seconds
        start_response("200 OK", text + [("Content-Length", "5")])
        return SleepyClose(float(qs or 1))
    if path == "/file":
        fd, name = tempfile.mkstemp()
        os.write(fd, b"0123456789" * 100000)
        os.close(fd)
        f = open(name, "rb")
        os.unlink(name)
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return environ["wsgi.file_wrapper"](f, 8192)
    if path == "/filelike":
        import io
        start_response("200 OK", text)
        return environ["wsgi.file_wrapper"](io.BytesIO(b"from a BytesIO"), 4)
    if path == "/exc-info":
        start_response("200 OK", text)
        try:
            raise KeyError("replaced")
        except KeyError:
            start_response("503 Service Unavailable", text, sys.exc_info())
        return [b"replaced status"]
    if path == "/crash":
        os._exit(1)
    if path == "/pid":
        start_response("200 OK", text)
        return [str(os.getpid()).encode()]
    if path == "/sleep":
        mark_entered(path, qs)
        time.sleep(float(qs or "1"))
        start_response("200 OK", text)
        return [str(os.getpid()).encode()]
    if path == "/status":
        start_response(qs.replace("+", " ") or "204 No Content", [])
        return []
    if path == "/readline":
        inp = environ["wsgi.input"]
        lines = [inp.readline()]
        lines.append(inp.readline(3))
        lines += inp.readlines()
        start_response("200 OK", text)
        return [repr(lines).encode()]
    if path == "/iterate-input":
        count = sum(1 for _ in environ["wsgi.input"])
        start_response("200 OK", text)
        return [str(count).encode()]
    if path == "/read-chunks":
        inp, total, n = environ["wsgi.input"], 0, int(qs or "1000")
        while True:
            chunk = inp.read(n)
            if not chunk:
                break
            total += len(chunk)
        start_response("200 OK", text)
        return [str(total).encode()]
    if path == "/digest-chunks":  # what arrived, read in pieces of n bytes: its size and SHA-256
        inp, digest, total, n = environ["wsgi.input"], hashlib.sha256(), 0, int(qs or "65536")
        while chunk := inp.read(n):
            digest.update(chunk)
            total += len(chunk)
        start_response("200 OK", text)
        return [f"{total} {digest.hexdigest()}".encode()]
    if path == "/ignore-body":
        start_response("200 OK", text)
        return [b"did not read"]
    if path == "/bad-header":
        start_response("200 OK", [("Bad Name", "x")])
        return [b"never"]
    if path == "/str-body":
        start_response("200 OK", text)
        return ["not bytes"]
    if path == "/empty":
        start_response("200 OK", text)
        return []
    if path == "/content-length":
        start_response("200 OK", [("Content-Length", "5")])
        return iter([b"ab", b"cde"])
    if path == "/threads":
        time.sleep(0.5)
        start_response("200 OK", text)
        return [str(environ["wsgi.multithread"]).encode()]
    start_response("404 Not Found", text)
    return [b"no such route: " + path.encode("latin-1")]


_barrier = None


def barrier_app(environ, start_response):
    """Answers only once `n` requests are inside the app at the same time (proves concurrency)."""
    import threading
    global _barrier
    n = int(environ["QUERY_STRING"] or "4")
    if _barrier is None:
        _barrier = threading.Barrier(n, timeout=10)
    _barrier.wait()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(environ["wsgi.multithread"]).encode()]


def sized_app(environ, start_response):
    """A body of QUERY_STRING bytes (for slow-reader tests)."""
    size = int(environ["QUERY_STRING"] or "0")
    start_response("200 OK", [("Content-Type", "application/octet-stream")])
    return [b"x" * size]
