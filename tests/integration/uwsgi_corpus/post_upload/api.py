def application(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length)
    start_response("201 Created", [("Content-Type", "text/plain")])
    return [f"{environ['REQUEST_METHOD']} got {len(body)} bytes: ".encode(), body]
