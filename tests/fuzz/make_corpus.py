#!/usr/bin/env python3
"""Writes the seed corpora of the binary fuzz targets: corpus/http_request and corpus/uwsgi_packet.

Each seed is [split seed: 2 bytes][knobs: 1 byte][bytes on the wire] (see the targets' headers).
The uwsgi packets are laid out as nginx's uwsgi_pass sends them (the uwsgi_params file's variables,
in its order, then the HTTP_* headers). The config seeds (corpus/config) are plain ini files.
Run from anywhere: python3 tests/fuzz/make_corpus.py
"""
import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent


def write(target, name, split_seed, knobs, payload):
    directory = HERE / "corpus" / target
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(struct.pack("<HB", split_seed, knobs) + payload)


def http(lines, body=b""):
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# knobs for http_request: bits 0-2 buffer-size (5 = 8192), 3-5 status, 6 keep-alive allowed, 7 known length
KEEP = 0x40
HTTP_SEEDS = {
    "get": (0, 5 | KEEP, http(["GET / HTTP/1.1", "Host: localhost:8000", "User-Agent: curl/7.88.1", "Accept: */*"])),
    "get_http10": (7, 5, http(["GET /index.html HTTP/1.0"])),
    "head": (1, 5 | KEEP | (2 << 3), http(["HEAD /static/app.css HTTP/1.1", "Host: example.com"])),
    "post_form": (300, 5 | KEEP | 0x80, http(
        ["POST /login?next=%2Fhome HTTP/1.1", "Host: example.com", "Content-Type: application/x-www-form-urlencoded",
         "Content-Length: 27"], b"username=alice&password=s3c")),
    "post_chunked": (12, 5 | KEEP, http(
        ["POST /upload HTTP/1.1", "Host: example.com", "Transfer-Encoding: chunked", "Content-Type: text/plain"])
        + b"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\nX-Checksum: abc\r\n\r\n"),
    "pipelined": (2, 5 | KEEP, http(["GET /a HTTP/1.1", "Host: h"]) + http(["GET /b?x=1 HTTP/1.1", "Host: h"])
                  + http(["GET /c HTTP/1.1", "Host: h", "Connection: close"])),
    "pipelined_chunked_then_get": (5, 5 | KEEP, http(["PUT /doc HTTP/1.1", "Host: h", "Transfer-Encoding: chunked"])
                                   + b"3\r\nabc\r\n0\r\n\r\n" + http(["GET /doc HTTP/1.1", "Host: h"])),
    "expect_continue": (40, 5 | KEEP, http(
        ["PUT /big HTTP/1.1", "Host: h", "Expect: 100-continue", "Content-Length: 10"], b"0123456789")),
    "keepalive_http10": (3, 5 | KEEP | (4 << 3), http(["GET /x HTTP/1.0", "Connection: keep-alive"])
                         + http(["GET /y HTTP/1.0"])),
    "absolute_form": (9, 5 | KEEP, http(["GET http://example.com:8080/p%20a/t%2Fh?q=1&r=%41#frag HTTP/1.1",
                                           "Host: example.com:8080"])),
    "repeated_headers_ipv6": (11, 5 | KEEP | (5 << 3), http(
        ["GET /r HTTP/1.1", "Host: [::1]:8000", "Cookie: a=1", "Cookie: b=2", "X-Forwarded-For: 10.0.0.1",
         "x-forwarded-for: 10.0.0.2", "X_Forwarded_For: spoof", "Content-Type: text/html", "content-type: x"])),
    "websocket_upgrade": (4, 5 | KEEP | (3 << 3), http(
        ["GET /ws HTTP/1.1", "Host: h", "Upgrade: websocket", "Connection: Upgrade",
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"])),
    "options_star": (6, 5 | KEEP | (1 << 3), http(["OPTIONS * HTTP/1.1", "Host: h"])),
    "json_put": (77, 5 | KEEP | 0x80, http(
        ["PATCH /api/items/7 HTTP/1.1", "Host: api.example.com", "Content-Type: application/json",
         "Content-Length: 16", "Authorization: Bearer abc.def"], b'{"name": "wsgi"}')),
    "space_before_colon": (0, 5, http(["GET / HTTP/1.1", "Host : h"])),
    "head_too_large": (8, 1, http(["GET /" + "a" * 100 + " HTTP/1.1", "Host: h"])),
    "http2_version": (0, 5, http(["GET / HTTP/2.0", "Host: h"])),
    # Hostile heads of issue 8 (items 7-12): each must be refused or reach the app unchanged.
    "trailer_fields": (70, 5 | KEEP, http(["POST /t HTTP/1.1", "Host: example.com", "Transfer-Encoding: chunked"])
                       + b"3\r\nabc\r\n0\r\nHost: evil.example.com\r\nContent-Length: 99\r\n"
                       b"Content-Type: text/evil\r\n\r\n"),
    "duplicate_host": (13, 5 | KEEP, http(["GET / HTTP/1.1", "Host: example.com", "Host: evil.example.com"])),
    "http10_chunked": (20, 5 | KEEP, http(["POST / HTTP/1.0", "Connection: keep-alive", "Transfer-Encoding: chunked"])
                       + b"3\r\nabc\r\n0\r\n\r\n"),
    "obs_fold_at_split": (37, 5 | KEEP, http(["GET / HTTP/1.1", "Host: h", "X-A: one", " two", "X-B:", "\tthree"])),
    "absolute_form_upper_case": (16, 5 | KEEP, http(["GET HTTPS://HOST.example:8443?x HTTP/1.1", "Host: other"])),
    "other_scheme": (14, 5, http(["GET ftp://x/y HTTP/1.1", "Host: h"])),
    "asterisk_get": (3, 5, http(["GET * HTTP/1.1", "Host: h"])),
    "trailing_ows": (25, 5 | KEEP, http(["GET / HTTP/1.1", "Host: example.com \t", "X-A:  v \t"])),
    "chunk_ext_spaces": (71, 5 | KEEP, http(["POST / HTTP/1.1", "Host: h", "Transfer-Encoding: chunked"])
                         + b"3 ; a = b\r\nabc\r\n0\r\n\r\n"),
}


def uwsgi_packet(variables, body=b"", modifier1=0, modifier2=0):
    block = b""
    for key, value in variables:
        key, value = key.encode(), value.encode()
        block += struct.pack("<H", len(key)) + key + struct.pack("<H", len(value)) + value
    return struct.pack("<BHB", modifier1, len(block), modifier2) + block + body


def nginx_vars(method="GET", uri="/", query="", content_type="", content_length="", https="", scheme="http",
               remote="127.0.0.1", headers=()):
    path = uri.split("?", 1)[0]
    variables = [
        ("QUERY_STRING", query), ("REQUEST_METHOD", method), ("CONTENT_TYPE", content_type),
        ("CONTENT_LENGTH", content_length), ("REQUEST_URI", uri), ("PATH_INFO", path),
        ("DOCUMENT_ROOT", "/usr/share/nginx/html"), ("SERVER_PROTOCOL", "HTTP/1.1"), ("REQUEST_SCHEME", scheme),
        ("HTTPS", https), ("REMOTE_ADDR", remote), ("REMOTE_PORT", "51234"), ("SERVER_PORT", "80"),
        ("SERVER_NAME", "example.com"),
    ]
    variables += [("HTTP_" + name.upper().replace("-", "_"), value) for name, value in headers]
    return variables


# knobs for uwsgi_packet: bits 0-2 max vars size (5 = 8192, 7 = 65535)
BROWSER = (("Host", "example.com"), ("User-Agent", "Mozilla/5.0"), ("Accept", "text/html,*/*;q=0.8"),
           ("Accept-Encoding", "gzip, deflate"))
UWSGI_SEEDS = {
    "get": (0, 5, uwsgi_packet(nginx_vars(headers=BROWSER))),
    "get_query": (3, 5, uwsgi_packet(nginx_vars(uri="/search?q=wsgi&page=2", query="q=wsgi&page=2", headers=BROWSER))),
    "post_body": (17, 5, uwsgi_packet(nginx_vars(method="POST", uri="/form", content_type="application/x-www-form-urlencoded",
                                                 content_length="13", headers=BROWSER), b"name=appserve")),
    "https": (2, 5, uwsgi_packet(nginx_vars(uri="/secure", https="on", scheme="https", headers=BROWSER))),
    "unix_client_head": (1, 5, uwsgi_packet(nginx_vars(method="HEAD", remote="unix:", headers=(("Host", "localhost"),)))),
    "big_cookie": (99, 7, uwsgi_packet(nginx_vars(headers=BROWSER + (("Cookie", "session=" + "x" * 3000),))) ),
    "modifier2": (5, 5, uwsgi_packet(nginx_vars(), modifier2=1)),
    "uwsgi_scheme": (8, 5, uwsgi_packet([("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/"), ("UWSGI_SCHEME", "https")])),
    "minimal": (0, 2, uwsgi_packet([("PATH_INFO", "/")])),
    "http_to_uwsgi_socket": (0, 5, b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"),
    "modifier1_5": (0, 5, uwsgi_packet(nginx_vars(), modifier1=5)),
    "truncated_var": (4, 5, b"\x00\x09\x00\x00" + b"\x04\x00PATH\x09\x00/"),
    "bad_content_length": (6, 5, uwsgi_packet(nginx_vars(method="POST", content_length="12x"))),
    "too_large_for_buffer": (0, 2, uwsgi_packet(nginx_vars(headers=BROWSER))),
}

if __name__ == "__main__":
    for name, (seed, knobs, payload) in HTTP_SEEDS.items():
        write("http_request", name, seed, knobs, payload)
    for name, (seed, knobs, payload) in UWSGI_SEEDS.items():
        write("uwsgi_packet", name, seed, knobs, payload)
    print(f"wrote {len(HTTP_SEEDS)} http_request and {len(UWSGI_SEEDS)} uwsgi_packet seeds under {HERE / 'corpus'}")
