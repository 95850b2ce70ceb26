def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"mounted at '{environ['SCRIPT_NAME']}' path {environ['PATH_INFO']}".encode()]
