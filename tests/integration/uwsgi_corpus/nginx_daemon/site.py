def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
    return [b"<h1>It works (", environ["REQUEST_URI"].encode(), b")</h1>"]
