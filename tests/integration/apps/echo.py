"""Echoes what the application saw: the environ (str values) and the body, as JSON."""
import json


def application(environ, start_response):
    body = environ["wsgi.input"].read()
    seen = {k: v for k, v in environ.items() if isinstance(v, str)}
    seen["wsgi.version"] = list(environ["wsgi.version"])
    for key in ("wsgi.multithread", "wsgi.multiprocess", "wsgi.run_once", "wsgi.input_terminated"):
        seen[key] = environ.get(key)
    seen["body"] = body.decode("latin-1")
    seen["body_length"] = len(body)
    out = json.dumps(seen).encode()
    start_response("200 OK", [("Content-Type", "application/json")])
    return [out]
