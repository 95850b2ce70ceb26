import os


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"role={os.environ['SITE_ROLE']} name={os.environ['SITE_NAME']}".encode()]
