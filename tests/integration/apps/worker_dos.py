"""For tests/chaos/test_worker_dos.py: answers without reading the request body (unless asked to),
so the server must deal with the unread body itself."""


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path == "/read":
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"read %d" % len(body)]
    if path == "/big":
        # Larger than what loopback socket buffers hold, smaller than the write-behind limit.
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return [b"b" * (6 << 20)]
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok " + path.encode("latin-1")]
