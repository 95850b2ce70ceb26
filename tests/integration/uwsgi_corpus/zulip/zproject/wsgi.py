# Zulip's zproject/wsgi.py is Django's; a plain WSGI app stands in for it.
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"zulip {environ['REQUEST_METHOD']} {environ['PATH_INFO']} from {environ['REMOTE_ADDR']}".encode()]
