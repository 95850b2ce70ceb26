import threading


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"daemon up, multithread={environ['wsgi.multithread']}".encode()]
