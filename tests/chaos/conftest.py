"""The chaos suite: hostile clients, crashing apps and badly timed signals against the real binary.

Each test is a regression test for a way one client, one URL or one signal could take a site down
(issue 8). Bounded in time, loopback only, every process cleaned up by pid. It reuses the
integration harness (tests/integration/harness.py, rawhttp.py, apps/).
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))

from fixtures import serve, serve_ready, sock_dir  # noqa: E402,F401  (pytest fixtures)
