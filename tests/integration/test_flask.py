"""A real Flask app: JSON POST, multipart upload, redirect, cookies, streamed response."""
import requests

from harness import ROOT


def start_flask(serve):
    return serve(None, "--module", "app:app", "--chdir", str(ROOT / "examples" / "flask_app"), "--processes", "2")


def test_flask_app_end_to_end(serve):
    s = start_flask(serve)
    with requests.Session() as http:
        r = http.get(s.url("/"), timeout=10)
        assert r.status_code == 200 and "Hello from Flask" in r.text

        r = http.post(s.url("/api/echo"), json={"a": 1, "b": [1, 2, 3]}, timeout=10)
        assert r.status_code == 200
        assert r.json() == {"received": {"a": 1, "b": [1, 2, 3]}, "count": 2}

        payload = bytes(range(256)) * 4096  # 1 MiB, every byte value
        r = http.post(s.url("/upload"), files={"file": ("data.bin", payload)}, data={"note": "hi"}, timeout=20)
        assert r.json() == {"filename": "data.bin", "size": len(payload), "field": "hi"}

        r = http.get(s.url("/old"), allow_redirects=False, timeout=10)
        assert r.status_code == 302 and r.headers["Location"].endswith("/")
        r = http.get(s.url("/old"), timeout=10)
        assert r.status_code == 200 and r.history[0].status_code == 302

        r = http.get(s.url("/cookie/set"), timeout=10)
        assert "flavour=oatmeal" in r.headers["Set-Cookie"]
        assert http.get(s.url("/cookie/get"), timeout=10).json() == {"flavour": "oatmeal"}

        r = http.get(s.url("/stream"), stream=True, timeout=10)
        assert r.headers.get("Transfer-Encoding") == "chunked"
        assert b"".join(r.iter_content(None)) == b"".join(f"line {i}\n".encode() for i in range(5))
