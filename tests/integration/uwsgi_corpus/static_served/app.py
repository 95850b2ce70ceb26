def application(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"the app does not serve static files"]
