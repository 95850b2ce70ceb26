# CKAN's wsgi.py builds the app from a config file; here a plain WSGI app that says whether it runs
# inside the virtualenv the ini names.
import sys


def application(environ, start_response):
    inside = "inside" if sys.prefix != sys.base_prefix else "outside"
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"ckan {inside} a virtualenv".encode()]
