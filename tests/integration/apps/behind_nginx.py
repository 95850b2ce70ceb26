"""Routes for serving behind nginx (uwsgi_pass): environ echo, body digest, big responses, pid."""
import hashlib
import json
import os


def application(environ, start_response):
    path = environ["PATH_INFO"]
    qs = environ["QUERY_STRING"]
    if path == "/upload":
        digest, total = hashlib.sha256(), 0
        while True:
            chunk = environ["wsgi.input"].read(65536)
            if not chunk:
                break
            digest.update(chunk)
            total += len(chunk)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [f"{total} {digest.hexdigest()}".encode()]
    if path in ("/big", "/big-length"):
        # n bytes of a repeating pattern, streamed in 64 KiB pieces; /big-length declares its length.
        n = int(qs or "0")
        block = bytes(range(256)) * 256
        headers = [("Content-Type", "application/octet-stream")]
        if path == "/big-length":
            headers.append(("Content-Length", str(n)))
        start_response("200 OK", headers)
        return (block[: min(len(block), n - off)] for off in range(0, n, len(block)))
    if path == "/pid":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(os.getpid()).encode()]
    body = environ["wsgi.input"].read()
    seen = {k: v for k, v in environ.items() if isinstance(v, str)}
    seen["body_length"] = len(body)
    seen["wsgi.multithread"] = environ["wsgi.multithread"]
    start_response("200 OK", [("Content-Type", "application/json"), ("X-App", "behind-nginx")])
    return [json.dumps(seen).encode()]
