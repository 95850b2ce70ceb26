"""The .deb CPack builds (`make deb`): computed Depends, the files, and the unpacked or installed binary
serving an example app. As root with CI=true it is also installed with apt and removed again, leaving
the machine's package set as it was."""
import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import DECORATORS_APP, get, run, serving


def control(deb):
    return run(["dpkg-deb", "-I", deb]).stdout


def field(deb, name):
    match = re.search(rf"^ {name}: (.*)$", control(deb), re.M)
    return match.group(1) if match else ""


def test_deb_is_named_and_described(deb):
    version = re.search(r"project\(appserver VERSION ([0-9.]+)", (Path(__file__).parents[2] / "CMakeLists.txt").read_text())
    arch = run(["dpkg", "--print-architecture"]).stdout.strip()
    assert deb.name == f"appserver_{version.group(1)}_{arch}.deb"
    assert field(deb, "Package") == "appserver"
    assert field(deb, "Version") == version.group(1)
    assert field(deb, "Section") == "httpd"
    assert field(deb, "Maintainer")
    assert field(deb, "Description")


def test_deb_depends_are_computed_from_the_binaries(deb):
    depends = field(deb, "Depends")
    # dpkg-shlibdeps' output, with versions: the libraries the binary and the plugins link.
    for library in ("libc6 (>=", "libinih1", "libspdlog", "libpython3."):
        assert library in depends, depends
    # Build and test tools are never run-time dependencies.
    for tool in ("-dev", "gtest", "pytest", "cmake"):
        assert tool not in depends, depends


def test_deb_holds_the_installed_tree_and_etc_files_are_conffiles(deb, tmp_path):
    listing = run(["dpkg-deb", "-c", deb]).stdout
    paths = [line.split()[-1] for line in listing.splitlines() if not line.startswith("d")]
    for wanted in ("./usr/bin/appserver", "./usr/share/man/man1/appserver.1", "./usr/share/doc/appserver/options.md",
                   "./usr/share/doc/appserver/examples/hello.py", "./usr/share/appserver/python/uwsgidecorators.py"):
        assert wanted in paths, wanted
    assert all(p.startswith(("./usr/", "./etc/")) for p in paths), [p for p in paths if not p.startswith(("./usr/", "./etc/"))]
    run(["dpkg-deb", "-e", deb, tmp_path / "DEBIAN"])
    conffiles = (tmp_path / "DEBIAN/conffiles").read_text().split() if (tmp_path / "DEBIAN/conffiles").exists() else []
    assert sorted(conffiles) == sorted(p[1:] for p in paths if p.startswith("./etc/"))


def test_deb_units_and_logrotate_name_usr_bin_and_live_where_systemd_and_logrotate_read(deb, tmp_path):
    """The build is configured for /usr/local; the package installs under /usr: its units and its
    logrotate file must name /usr/bin/appserver, and logrotate's file must be /etc/logrotate.d (a
    conffile), not /usr/etc."""
    run(["dpkg-deb", "-x", deb, tmp_path])
    for unit in ("appserver.service", "appserver@.service"):
        text = (tmp_path / "usr/lib/systemd/system" / unit).read_text()
        assert "ExecStart=/usr/bin/appserver " in text, text
        assert "ExecReload=/usr/bin/appserver --reload" in text, text
    assert (tmp_path / "usr/lib/systemd/system/appserver.socket").exists()
    rotate = (tmp_path / "etc/logrotate.d/appserver").read_text()
    assert "/usr/bin/appserver --reopen-logs" in rotate, rotate
    assert not (tmp_path / "usr/etc").exists()
    run(["dpkg-deb", "-e", deb, tmp_path / "DEBIAN"])
    assert "/etc/logrotate.d/appserver" in (tmp_path / "DEBIAN/conffiles").read_text().split()


def test_unpacked_deb_serves_an_example_app(deb, tmp_path):
    root = tmp_path / "root"
    run(["dpkg-deb", "-x", deb, root])
    binary = root / "usr/bin/appserver"
    assert run([binary, "--version"], cwd=tmp_path).stdout.startswith("appserver ")
    app = root / "usr/share/doc/appserver/examples/hello.py"
    with serving(binary, ["--wsgi-file", app, "--processes", "2"], tmp_path) as url:
        assert get(url + "/") == (200, b"Hello from appserver\n")
    # Its own Python files, not the source tree's.
    (tmp_path / "deco.py").write_text(DECORATORS_APP)
    with serving(binary, ["--wsgi-file", tmp_path / "deco.py"], tmp_path) as url:
        status, body = get(url + "/")
    assert status == 200
    assert Path(body.decode()).resolve() == (root / "usr/share/appserver/python/uwsgidecorators.py").resolve()


def package_set():
    """Every package dpkg knows, with its state: what 'the machine is unchanged' compares."""
    return run(["dpkg-query", "-W", "-f", "${Package}:${Architecture} ${Version} ${db:Status-Abbrev}\n"]).stdout


def dpkg_knows_appserver():
    return subprocess.run(["dpkg-query", "-W", "appserver"], capture_output=True).returncode == 0


@pytest.mark.skipif(os.geteuid() != 0 or os.environ.get("CI") != "true",
                    reason="installs on this machine: only as root with CI=true")
def test_apt_installs_runs_and_removes_the_deb(deb, tmp_path):
    if dpkg_knows_appserver() or Path("/usr/bin/appserver").exists():
        pytest.skip("an appserver is already installed here; not touching it")
    before = package_set()
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    regular, conffiles = [], set()
    installed = subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", f"./{deb.name}"],
                               cwd=deb.parent, capture_output=True, text=True, timeout=300, env=env)
    try:
        assert installed.returncode == 0, installed.stdout + installed.stderr
        # Nothing but appserver itself was installed: its Depends were all there already.
        assert re.search(r"^0 upgraded, 1 newly installed", installed.stdout, re.M), installed.stdout
        files = [Path(p) for p in run(["dpkg", "-L", "appserver"]).stdout.split()]
        conffiles = {line.split()[0] for line in
                     run(["dpkg-query", "-W", "-f", "${Conffiles}\n", "appserver"]).stdout.splitlines() if line.strip()}
        regular = [f for f in files if f.is_file()]
        assert Path("/usr/bin/appserver") in regular
        with serving("/usr/bin/appserver", ["--wsgi-file", "/usr/share/doc/appserver/examples/hello.py"],
                     tmp_path) as url:
            assert get(url + "/") == (200, b"Hello from appserver\n")
        run(["man", "-w", "appserver"])  # man finds the page by name
    finally:
        removed = subprocess.run(["apt-get", "remove", "-y", "appserver"], capture_output=True, text=True,
                                 timeout=300, env=env)
    assert removed.returncode == 0, removed.stdout + removed.stderr
    left = [str(f) for f in regular if f.exists() and str(f) not in conffiles]
    assert not left, left
    assert not Path("/usr/share/doc/appserver").exists()
    # remove keeps conffiles (dpkg's rule); purge them so the machine is as it was.
    if dpkg_knows_appserver():
        run(["apt-get", "purge", "-y", "appserver"], env=env)
    assert package_set() == before
