import os


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"role={os.environ['ROLE']} harakiri-set={os.environ.get('HARAKIRI')}".encode()]
