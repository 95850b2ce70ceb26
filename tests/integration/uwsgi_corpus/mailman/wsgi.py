# mailman-web's wsgi.py is Django's; a plain WSGI app stands in for it.
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"postorius and hyperkitty via {environ['SERVER_PROTOCOL']}".encode()]
