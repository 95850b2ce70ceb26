def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"plain HTTP on a socket, {environ['SERVER_PROTOCOL']}".encode()]
