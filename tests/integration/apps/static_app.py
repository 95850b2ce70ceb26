"""The application behind the static-file tests: it says it was called (and for what), so a test can
tell a static answer from the app's. /powered adds two headers. /sleep holds a request thread until /sleep's file is removed."""
import os
import time


def application(environ, start_response):
    path = environ["PATH_INFO"]
    with open(os.path.join(os.getcwd(), "app-calls.log"), "a") as f:
        f.write(f"{environ['REQUEST_METHOD']} {path}\n")
    if path == "/sleep":
        with open(os.path.join(os.getcwd(), "entered.log"), "a") as f:
            f.write(f"{os.getpid()} {path}\n")
        deadline = time.monotonic() + 20
        while os.path.exists(os.path.join(os.getcwd(), "hold")) and time.monotonic() < deadline:
            time.sleep(0.02)
    body = f"app {environ['REQUEST_METHOD']} {path}".encode("latin-1")
    headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))]
    if path == "/powered":  # del-header drops one of these (tests/integration/test_add_header.py)
        headers += [("X-Powered-By", "static_app"), ("X-Kept", "yes")]
    start_response("200 OK", headers)
    return [body]
