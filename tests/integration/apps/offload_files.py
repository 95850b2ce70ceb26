"""wsgi.file_wrapper responses for the offload tests (issue 10).

GET /file?path=P   P (a file the test made) through wsgi.file_wrapper; the app closes its file
                   when the server calls close(), so what stays open after that is the server's.
GET /file?path=P&offset=N   the same from byte N (the file's position when it is returned).
anything else      "hello" (a request to the application while downloads run).
"""
from urllib.parse import parse_qs


def application(environ, start_response):
    if environ.get("PATH_INFO") == "/file":
        query = parse_qs(environ.get("QUERY_STRING", ""))
        f = open(query["path"][0], "rb")
        f.seek(int(query.get("offset", ["0"])[0]))
        start_response("200 OK", [("Content-Type", "application/octet-stream")])
        return environ["wsgi.file_wrapper"](f, 65536)
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "5")])
    return [b"hello"]
