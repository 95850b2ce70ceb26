"""Who runs the application: the uid it was imported as and serves as; /create writes a file next
to itself and answers its mode (umask); VERSION is edited by reload tests."""
import os

VERSION = "v1"
IMPORTED_AS = os.geteuid()
HERE = os.path.dirname(os.path.abspath(__file__))

marker = os.environ.get("PRIVS_IMPORT_MARKER")
if marker:
    with open(marker, "w") as f:
        f.write(str(IMPORTED_AS))


def application(environ, start_response):
    if environ["PATH_INFO"] == "/create":
        path = os.path.join(HERE, "created-by-app")
        with open(path, "w") as f:
            f.write("x")
        body = "%o" % (os.stat(path).st_mode & 0o777)
    else:
        body = "%s uid=%d euid=%d imported_as=%d" % (VERSION, os.getuid(), os.geteuid(), IMPORTED_AS)
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [body.encode()]
