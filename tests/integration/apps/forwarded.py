"""What a trusted front proxy's X-Forwarded-* change (forwarded-allow-ips): the environ it leaves, and the
absolute URLs an app builds from it (wsgiref's request_uri, Flask's url_for(_external=True))."""
import json
from wsgiref.util import request_uri

from flask import Flask, url_for

flask_app = Flask(__name__)


@flask_app.route("/flask/here")
def here():
    return url_for("here", _external=True, q="1")


KEYS = ("wsgi.url_scheme", "REMOTE_ADDR", "REMOTE_PORT", "appserver.proxy_addr", "HTTPS", "REQUEST_SCHEME",
        "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_SSL")


def application(environ, start_response):
    path = environ["PATH_INFO"]
    if path.startswith("/flask/"):
        return flask_app(environ, start_response)
    if path.endswith("/uri"):
        body = request_uri(environ).encode()
    else:
        body = json.dumps({key: environ.get(key) for key in KEYS}).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
