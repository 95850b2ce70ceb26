# healthchecks' hc/wsgi.py is Django's; a plain WSGI app stands in for it.
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hc: all checks up"]
