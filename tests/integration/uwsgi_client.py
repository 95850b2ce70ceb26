"""A minimal uwsgi-protocol client (what nginx's uwsgi_pass sends), for tests without nginx."""
import struct

from harness import connect


def packet(env, body=b"", modifier1=0, modifier2=0):
    """The uwsgi request packet: header, vars block, body. `env`: a dict, or (name, value) pairs
    (a name may then come twice, as a front-end may send it)."""
    block = b""
    for key, value in (env.items() if isinstance(env, dict) else env):
        k = key.encode("latin-1")
        v = value.encode("latin-1") if isinstance(value, str) else value
        block += struct.pack("<H", len(k)) + k + struct.pack("<H", len(v)) + v
    return struct.pack("<BHB", modifier1, len(block), modifier2) + block + body


def exchange(address, data, timeout=10):
    """Sends raw bytes, returns everything the server sent until it closed the connection."""
    with connect(address, timeout) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


class Response:
    def __init__(self, raw):
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        self.status_line = lines[0]
        self.status = int(lines[0].split()[1]) if len(lines[0].split()) > 1 else 0
        self.headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()

    def header(self, name):
        return self.headers.get(name.lower())


def request(address, method="GET", uri="/", body=b"", extra=None, timeout=10):
    path, _, query = uri.partition("?")
    env = {
        "REQUEST_METHOD": method, "REQUEST_URI": uri, "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_NAME": "test", "SERVER_PORT": "80", "REMOTE_ADDR": "10.1.2.3",
        "HTTP_HOST": "test",
    }
    if body:
        env["CONTENT_LENGTH"] = str(len(body))
    env.update(extra or {})
    return Response(exchange(address, packet(env, body), timeout))
