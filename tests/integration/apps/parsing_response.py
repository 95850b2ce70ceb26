"""Answers with the status and the X-Value header the query asks for (?status=...&value=..., percent-encoded),
for tests/chaos/test_http_parsing.py: what the server does with a 1xx or a control character from the app."""
from urllib.parse import parse_qs


def application(environ, start_response):
    query = parse_qs(environ["QUERY_STRING"], keep_blank_values=True)
    headers = [("Content-Type", "text/plain")]
    if "value" in query:
        headers.append(("X-Value", query["value"][0]))
    start_response(query.get("status", ["200 OK"])[0], headers)
    return [b"body of " + environ["QUERY_STRING"].encode()]
