"""examples/django_site as uWSGI's Django tutorial deploys it: collectstatic into STATIC_ROOT and
static-map in uwsgi.ini. The admin's CSS must load (issue 10: under appserver it was a 404)."""
import shutil
import subprocess
import sys

import pytest

from harness import ROOT, Server, free_port, wait_until

pytest.importorskip("django")


@pytest.fixture
def django_site(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(ROOT / "examples" / "django_site", site,
                    ignore=shutil.ignore_patterns("static", "db.sqlite3", "__pycache__"))
    subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=site, check=True,
                   timeout=120)
    return site


def test_the_admin_css_is_served_from_static_root(django_site):
    port = free_port()
    server = Server(["--ini", "uwsgi.ini"], django_site, env={"APPSERVER_HTTP": f"127.0.0.1:{port}"}, port=port)
    try:
        server.start(timeout=60)
        import requests
        login = requests.get(server.url("/admin/login/"), timeout=20)
        assert login.status_code == 200, login.text[:500]
        assert "/static/admin/css/base.css" in login.text
        css = requests.get(server.url("/static/admin/css/base.css"), timeout=20)
        assert css.status_code == 200
        assert css.headers["Content-Type"].startswith("text/css")
        assert css.content == (django_site / "static" / "admin" / "css" / "base.css").read_bytes()
        assert css.headers["Cache-Control"] == "max-age=3600"
        # Answered by the server, not by Django (DEBUG is off: Django would 404 it).
        # The access line is written once the response is out, so the client may see the body first.
        assert wait_until(lambda: '"GET /static/admin/css/base.css HTTP/1.1" 200' in server.log(), 10), server.log()
        line = next(x for x in server.log().splitlines() if "GET /static/admin/css/base.css" in x)
        assert line.endswith(" static")
    finally:
        server.stop()
