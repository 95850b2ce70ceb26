"""For tests/chaos/test_slow_body.py: /read reads the whole body and answers its length and
sha256; anything else answers "ok PATH" without reading."""
import hashlib


def application(environ, start_response):
    path = environ["PATH_INFO"]
    start_response("200 OK", [("Content-Type", "text/plain")])
    if path == "/read":
        body = environ["wsgi.input"].read()
        return [b"read %d %s" % (len(body), hashlib.sha256(body).hexdigest().encode())]
    return [b"ok " + path.encode("latin-1")]
