"""Which interpreter the servers of this run embed: Debian's python3, or under `make test-interpreters`
(APPSERVER_PLUGIN=python312) the other one, so that a green run there is a run on that Python."""
import re
import subprocess
import textwrap

import requests

from harness import OTHER_PLUGIN

APP = textwrap.dedent("""
    import sys
    import flask  # Debian's pure-Python Flask imports on every interpreter the suite runs on
    def application(environ, start_response):
        start_response('200 OK', [('Content-Type', 'text/plain')])
        return [('%d%d %s' % (sys.version_info[0], sys.version_info[1], flask.__name__)).encode()]
""")


def test_the_servers_embed_the_chosen_interpreter(serve, tmp_path):
    (tmp_path / "app.py").write_text(APP)
    s = serve(None, "--wsgi-file", str(tmp_path / "app.py"))
    if OTHER_PLUGIN:
        expected = re.fullmatch(r"python(\d+)", OTHER_PLUGIN).group(1)
    else:
        expected = subprocess.run(["/usr/bin/python3", "-c", "import sys; print('%d%d' % sys.version_info[:2])"],
                                  capture_output=True, text=True, check=True).stdout.strip()
    assert requests.get(s.url("/"), timeout=10).text == f"{expected} flask"
