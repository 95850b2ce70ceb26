import os


def application(environ, start_response):
    colors = sorted(v for k, v in os.environ.items() if k.startswith("COLOR_"))
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("colors " + " ".join(colors)).encode()]
