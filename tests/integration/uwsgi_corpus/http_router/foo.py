def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"router ok multithread={environ['wsgi.multithread']} {environ['QUERY_STRING']}".encode()]
