# searx.webapp builds a Flask app and ends with `application = app`; a plain WSGI app stands in for it.


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"searx multithread={environ['wsgi.multithread']}".encode()]


application = app
