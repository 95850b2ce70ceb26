"""Mounted applications (tests/integration/test_mount.py): each answers its name with the
SCRIPT_NAME and PATH_INFO it was given. `python mount_app.py` is not used: the test mounts the
callables `root`, `shop` and `admin` of this module, and this file as a wsgi-file (application)."""


def _answer(name):
    def app(environ, start_response):
        body = f"{name} {environ['SCRIPT_NAME']!r} {environ['PATH_INFO']!r}".encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]
    return app


root = _answer("root")
shop = _answer("shop")
admin = _answer("admin")
application = _answer("file")
