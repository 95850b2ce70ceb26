def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"src layout, {__name__} via {environ['REQUEST_METHOD']}".encode()]
