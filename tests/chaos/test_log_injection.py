"""A hostile client must not forge an access-log line or break its quoting (issue 11).

The uwsgi protocol carries any byte in any variable (a front-end passes what the client sent), so
it is the widest door: newlines, quotes, backslashes, control and non-UTF-8 bytes in the URI, the
user agent, the referer and X-Forwarded-For. Each request must give exactly one line, a line a
parser reads back to the same values (JSON) or nginx's \\xHH escapes (text formats).
"""
import json
import os

from harness import wait_until
from rawhttp import RawConnection
import uwsgi_client

APP = "logs_app.py"

HOSTILE_URI = b'/x?a="b"\n127.0.0.1 - - [01/Jan/2020:00:00:00 +0000] "GET /forged HTTP/1.1" 200 1 "-" "-"\r\\'
HOSTILE_UA = b'Mozilla "}{\x00\x01\x1b[31m\x7f\xff\xfe\xc3\xa9\xe2\x80\xa8\\u0041\n{"forged":1}'


def send_uwsgi(address, uri, ua, xff=b""):
    env = {"REQUEST_METHOD": "GET", "REQUEST_URI": uri, "PATH_INFO": "/hello", "QUERY_STRING": "",
           "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "h", "HTTP_USER_AGENT": ua,
           "HTTP_REFERER": b"http://r/\n\"forged"}
    if xff:
        env["HTTP_X_FORWARDED_FOR"] = xff
    raw = uwsgi_client.exchange(address, uwsgi_client.packet(env))
    assert raw.startswith(b"HTTP/1.1 200") or raw.startswith(b"HTTP/1.0 200"), raw[:100]


def read_lines(path):
    try:
        return path.read_bytes().split(b"\n")[:-1]
    except OSError:
        return []


def test_json_lines_stay_one_valid_object_each(serve, tmp_path, sock_dir):
    sock = os.path.join(sock_dir, "app.sock")
    access = tmp_path / "access.log"
    serve(APP, "--socket", sock, "--log-format", "json", "--log-x-forwarded-for", "--req-logger", f"file:{access}")
    assert wait_until(lambda: os.path.exists(sock))
    for _ in range(3):
        send_uwsgi(sock, HOSTILE_URI, HOSTILE_UA, xff=b'1.2.3.4"\n, 5.6.7.8')
    assert wait_until(lambda: len(read_lines(access)) >= 3)
    lines = read_lines(access)
    assert len(lines) == 3, lines
    for line in lines:
        line.decode("utf-8")  # valid UTF-8 whatever the client sent
        entry = json.loads(line)
        assert entry["uri"] == HOSTILE_URI.decode("latin-1")  # ASCII and control bytes come back as sent
        # Valid UTF-8 comes back as sent; invalid bytes as the text \xHH.
        assert entry["uagent"] == ('Mozilla "}{\x00\x01\x1b[31m\x7f\\xFF\\xFE\u00e9\u2028\\u0041\n{"forged":1}')
        assert entry["referer"] == 'http://r/\n"forged'
        assert entry["addr"] == '1.2.3.4"\n, 5.6.7.8'
        assert entry["status"] == 200 and entry["method"] == "GET"


def test_text_lines_cannot_be_forged(serve, tmp_path, sock_dir):
    sock = os.path.join(sock_dir, "app.sock")
    combined = tmp_path / "combined.log"
    s = serve(APP, "--socket", sock, "--log-format", "combined", "--req-logger", f"file:{combined}")
    sock2 = os.path.join(sock_dir, "default.sock")
    default = serve(APP, "--socket", sock2)  # the default line, in the server's own log
    assert wait_until(lambda: os.path.exists(sock) and os.path.exists(sock2))
    for _ in range(3):
        send_uwsgi(sock, HOSTILE_URI, HOSTILE_UA)
        send_uwsgi(sock2, HOSTILE_URI, HOSTILE_UA)
    assert wait_until(lambda: len(read_lines(combined)) >= 3)
    lines = read_lines(combined)
    assert len(lines) == 3, lines
    for line in lines:
        assert line.count(b'"') == 6, line  # request, referer, user agent: their own quotes only
        assert b"\r" not in line and all(b >= 0x20 and b < 0x7f for b in line), line
        assert b'"GET /x?a=\\x22b\\x22\\x0A127.0.0.1 - - ' in line
        assert b'"Mozilla \\x22}{\\x00\\x01\\x1B[31m\\x7F\\xFF\\xFE\\xC3\\xA9\\xE2\\x80\\xA8\\x5Cu0041\\x0A{\\x22forged\\x22:1}"' in line
    assert wait_until(lambda: default.log().count("/x?a=") >= 3)
    server_lines = default.log().splitlines()
    assert not [l for l in server_lines if "forged" in l and not l.startswith("[")], server_lines
    assert len([l for l in server_lines if "/x?a=\\x22b\\x22\\x0A127.0.0.1" in l]) == 3


def test_http_clients_bytes_are_escaped_too(serve, tmp_path):
    access = tmp_path / "access.log"
    s = serve(APP, "--log-format", "json", "--req-logger", f"file:{access}")
    conn = RawConnection(s.port)
    try:
        conn.send(b'GET /hello?q=%0A HTTP/1.1\r\nHost: h\r\nUser-Agent: a"\xff\xc3\xa9\\\r\nConnection: close\r\n\r\n')
        assert conn.read_response().status == 200
    finally:
        conn.sock.close()
    assert wait_until(lambda: len(read_lines(access)) >= 1)
    entry = json.loads(read_lines(access)[0])
    assert entry["uagent"] == 'a"\\xFF\u00e9\\'
    assert entry["uri"] == "/hello?q=%0A"
