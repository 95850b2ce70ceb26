"""The crashing, misbehaving and fd-hungry application of tests/chaos/test_redteam_*.py: one route
per way an application can go wrong."""
import os
import sys
import time

REDTEAM_LOG = os.environ.get("REDTEAM_LOG", os.path.join(os.getcwd(), "redteam.log"))


def note(text):
    with open(REDTEAM_LOG, "a") as f:
        f.write(f"{os.getpid()} {text}\n")


# REDTEAM_FREE_FDS=N: every worker, right after fork, opens descriptors until it has only N left
# (what a master near its descriptor limit hands to each worker it forks).
if os.environ.get("REDTEAM_FREE_FDS"):
    _hog = []

    def _use_up_fds():
        try:
            while True:
                _hog.append(os.open("/dev/null", os.O_RDONLY))
        except OSError:
            pass
        for _ in range(int(os.environ["REDTEAM_FREE_FDS"])):
            os.close(_hog.pop())

    os.register_at_fork(after_in_child=_use_up_fds)


class CloseRaises:
    def __iter__(self):
        yield b"body before a failing close"

    def close(self):
        note("close-raises")
        raise RuntimeError("close() fails")


class Endless:
    """A stream that never ends; close() records that the server noticed the client left."""

    def __init__(self, name):
        self.name = name

    def __iter__(self):
        while True:
            yield b"y" * 16384

    def close(self):
        note("endless-closed " + self.name)


def application(environ, start_response):
    path = environ["PATH_INFO"]
    qs = environ["QUERY_STRING"]
    text = [("Content-Type", "text/plain")]
    if path == "/pid":
        start_response("200 OK", text)
        return [str(os.getpid()).encode()]
    if path == "/close-raises":
        start_response("200 OK", text)
        return CloseRaises()
    if path == "/none":
        start_response("200 OK", text)
        return None
    if path == "/yields-str-later":
        start_response("200 OK", text)
        return iter([b"first ", "second"])
    if path == "/yields-int":
        start_response("200 OK", text)
        return iter([1, 2])
    if path == "/start-twice":
        start_response("200 OK", text)
        start_response("404 Not Found", text)
        return [b"the second start_response should have raised"]
    if path == "/start-twice-after-body":
        start_response("200 OK", text)

        def body():
            yield b"sent "
            start_response("500 Oops", text)
            yield b"after"
        return body()
    if path == "/write-after-return":
        write = start_response("200 OK", text)

        def body():
            yield b"x"
            try:
                write(b"late")
                note("late-write-accepted")
            except Exception as e:  # noqa: BLE001
                note("late-write-refused " + type(e).__name__)
        return body()
    if path == "/write-after-close":
        write = start_response("200 OK", text)

        class Late:
            def __iter__(self):
                yield b"done"

            def close(self):
                try:
                    write(b"from close")
                    note("write-in-close-accepted")
                except Exception as e:  # noqa: BLE001
                    note("write-in-close-refused " + type(e).__name__)
        return Late()
    if path == "/huge-header":
        start_response("200 OK", text + [("X-Huge", "h" * (1 << 20))])
        return [b"huge"]
    if path == "/many-headers":
        start_response("200 OK", text + [(f"X-H{i}", "v" * 100) for i in range(20000)])
        return [b"many"]
    if path == "/endless":
        start_response("200 OK", text)
        note("endless-start " + qs)
        return Endless(qs)
    if path == "/fork":
        pid = os.fork()
        if pid == 0:
            # The child of a worker: lives on as a copy of the worker until it returns (here it
            # exits at once, without running the worker's exit code).
            os._exit(0)
        os.waitpid(pid, 0)
        start_response("200 OK", text)
        return [b"forked"]
    if path == "/fork-linger":
        pid = os.fork()
        if pid == 0:
            time.sleep(3)
            os._exit(0)
        note(f"forked {pid}")
        start_response("200 OK", text)
        return [b"forked " + str(pid).encode()]
    if path == "/fork-return":
        # The child comes back into the server as if it were the worker: it returns (?return),
        # calls sys.exit (?exit) or raises (?raise) instead of ending with os._exit().
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            note(f"child-returning {os.getpid()}")
            if qs == "exit":
                sys.exit(0)
            if qs == "raise":
                raise RuntimeError("the child's job failed")
        start_response("200 OK", text)
        return [b"from " + str(parent).encode()]
    if path == "/print":
        print("x" * 200, flush=True)
        start_response("200 OK", text)
        return [b"printed"]
    if path == "/errors":
        environ["wsgi.errors"].write("e" * 200 + "\n")
        environ["wsgi.errors"].flush()
        start_response("200 OK", text)
        return [b"logged"]
    if path == "/slow":
        note("slow-start " + qs)
        time.sleep(float(qs or "0.3"))
        start_response("200 OK", text)
        return [b"slow done"]
    if path == "/sys-exit":
        sys.exit(3)
    if path == "/sys-exit-in-iterator":
        start_response("200 OK", text)

        def body():
            yield b"a"
            sys.exit(0)
        return body()
    if path == "/keyboard-interrupt":
        raise KeyboardInterrupt
    if path == "/generator-exit":
        raise GeneratorExit
    if path == "/big":
        start_response("200 OK", text)
        return [b"z" * (4 << 20)]
    start_response("200 OK", text)
    return [b"hello"]
