# kpi's kobo/wsgi.py is Django's; a plain WSGI app stands in for it and shows the env it was given.
import os


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"kpi {environ['PATH_INFO']} settings={os.environ['DJANGO_SETTINGS_MODULE']}".encode()]
