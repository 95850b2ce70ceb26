"""dist/docker/Dockerfile. There is no Docker daemon (nor a registry for debian:bookworm) where these
tests run, so the recipe is checked instead: its stages and instructions, and its CMD is run as the
runtime stage would run it (the unpacked .deb, a non-root user, STOPSIGNAL to stop it)."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import ROOT, run
from harness import can_connect, free_port, wait_until

DOCKERFILE = ROOT / "dist/docker/Dockerfile"


def instructions():
    """[(INSTRUCTION, arguments)] with continuation lines joined and comments dropped."""
    out, pending = [], ""
    for line in DOCKERFILE.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        text = pending + line
        pending = ""
        word, _, args = text.strip().partition(" ")
        out.append((word.upper(), args.strip()))
    assert not pending
    return out


def stages():
    """{stage name: [(INSTRUCTION, arguments)]} in order; the FROM line first."""
    result, current = {}, None
    for word, args in instructions():
        if word == "FROM":
            match = re.fullmatch(r"(\S+) AS (\S+)", args, re.I)
            assert match, f"every stage is named: FROM {args}"
            current = match.group(2)
            result[current] = []
        assert current, f"{word} before FROM"
        result[current].append((word, args))
    return result


def test_two_stages_on_debian_bookworm():
    found = stages()
    assert list(found) == ["build", "runtime"]
    assert found["build"][0][1].startswith("debian:bookworm ")
    assert found["runtime"][0][1].startswith("debian:bookworm")


def test_build_stage_builds_the_deb_with_build_packages_only():
    runs = " ".join(a for w, a in stages()["build"] if w == "RUN")
    assert "scripts/install-deps.sh build package" in runs
    assert "install-deps.sh test" not in runs
    assert "make deb" in runs


def test_runtime_stage_installs_the_deb_and_runs_as_a_user():
    runtime = stages()["runtime"]
    words = [w for w, _ in runtime]
    assert any(w == "COPY" and a.startswith("--from=build") for w, a in runtime)
    runs = " ".join(a for w, a in runtime if w == "RUN")
    assert re.search(r"apt-get install -y [^&]*appserver_\*\.deb", runs)
    assert "install-deps" not in runs and "build-essential" not in runs
    users = [a for w, a in runtime if w == "USER"]
    assert users and users[-1] not in ("root", "0")
    assert words.index("USER") > max(i for i, w in enumerate(words) if w == "RUN")  # nothing runs as root after
    assert ("STOPSIGNAL", "SIGTERM") in runtime
    assert ("EXPOSE", "8000") in runtime


def cmd():
    args = [a for w, a in stages()["runtime"] if w == "CMD"][-1]
    return json.loads(args)  # exec form: appserver is PID 1 and gets `docker stop`'s signal itself


def test_cmd_serves_on_8000_in_the_foreground():
    command = cmd()
    assert command[0] == "appserver"
    assert command[command.index("--http") + 1] == ":8000"
    for option in ("--daemonize", "--logto", "--logger", "--pidfile"):
        assert option not in command  # logs go to the container's stream, nothing to a file
    mercy = int(command[command.index("--worker-reload-mercy") + 1])
    assert mercy < 10  # `docker stop` sends SIGKILL after 10 s by default


def copied_files():
    """Image path -> source path for the runtime stage's COPY --from=build /src/... lines."""
    out = {}
    for word, args in stages()["runtime"]:
        parts = [p for p in args.split() if not p.startswith("--")]
        if word == "COPY" and "--from=build" in args and parts[0].startswith("/src/"):
            out[parts[1]] = ROOT / parts[0][len("/src/"):]
    return out


def test_cmd_as_the_image_runs_it(deb):
    """The CMD with the unpacked .deb, as an unprivileged user when we are root; SIGTERM (STOPSIGNAL)
    stops it cleanly within the mercy; the access line is on its output stream."""
    scratch = Path(tempfile.mkdtemp(prefix="appserver-image-"))
    try:
        scratch.chmod(0o755)
        run(["dpkg-deb", "-x", deb, scratch / "root"])
        files = copied_files()
        assert files and all(src.is_file() for src in files.values()), files
        port = free_port()
        command = [str(scratch / "root/usr/bin/appserver")]
        for arg in cmd()[1:]:
            if arg in files:
                target = scratch / "app" / Path(arg).name
                target.parent.mkdir(exist_ok=True)
                shutil.copy(files[arg], target)
                arg = str(target)
            command.append(f"127.0.0.1:{port}" if arg == ":8000" else arg)
        for path in [scratch, *scratch.rglob("*")]:
            path.chmod(path.stat().st_mode | 0o555 if path.is_dir() else path.stat().st_mode | 0o444)
        user = (lambda: (os.setgid(65534), os.setuid(65534))) if os.geteuid() == 0 else None
        proc = subprocess.Popen(command, cwd=scratch, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, preexec_fn=user)
        try:
            assert wait_until(lambda: proc.poll() is not None or can_connect(("127.0.0.1", port)), 20)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
                assert (response.status, response.read()) == (200, b"Hello from appserver\n")
            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            output, _ = proc.communicate(timeout=20)
            assert time.monotonic() - started < 10
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=5)
        assert proc.returncode == 0, output.decode(errors="replace")
        assert b"GET /" in output, output.decode(errors="replace")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.mark.skipif(shutil.which("docker") is None, reason="no docker client")
def test_docker_build_when_a_daemon_answers():
    if subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode != 0:
        pytest.skip("no Docker daemon here: the recipe is checked by the tests above")
    run(["docker", "build", "-f", DOCKERFILE, "-t", "appserver-test", ROOT], timeout=1800)
