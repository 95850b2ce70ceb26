"""A reload whose new image fails in its first steps (the users, the sockets), before it installed its
signal queue: the configuration changed between the reload check and the exec. The master must stay,
degraded, with the previous workers serving, and still obey signals."""
import os
import signal

import pytest

from harness import pid_alive, wait_until
from site_dir import site  # noqa: F401 (fixture)

# Appended to the site's app: imported by the reload check (and only there), it breaks the
# configuration right after the check has passed it, as an operator's edit at the wrong moment would.
BREAK_AFTER_CHECK = '''
import os as _os
if "APPSERVER_CHECK_REPORT_FD" in _os.environ:
    with open({ini!r}, "a") as _f:
        _f.write({line!r})
'''


def reload_into_a_configuration_broken_after_the_check(site, line):
    site.write_ini(processes="2")
    site.start()
    master = site.master()
    workers = site.wait_workers(2)
    good = site.app.read_text()
    site.app.write_text(good + BREAK_AFTER_CHECK.format(ini=str(site.ini), line=line))
    result = site.run("--reload", "pid.log")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "reload failed" in result.stderr, result.stderr
    # Degraded, not dead: the same master, the previous workers, the previous code.
    assert pid_alive(master) and site.master() == master
    assert site.get("/") == (200, "v1 hello")
    assert site.wait_workers(2) == workers
    log = site.log()
    assert "the workers of the previous generation keep serving" in log, log[-3000:]
    return master, log


def test_a_reload_whose_users_cannot_be_resolved_keeps_the_master_and_its_signals(site):
    master, log = reload_into_a_configuration_broken_after_the_check(site, "uid = appserver-no-such-user\n")
    assert "appserver-no-such-user" in log, log[-3000:]
    # The degraded master still has its signal queue: SIGINT ends it and its workers.
    os.kill(master, signal.SIGINT)
    assert wait_until(lambda: not pid_alive(master), timeout=15), site.log()[-3000:]


def test_a_reload_whose_address_cannot_be_parsed_keeps_the_master_and_its_signals(site):
    master, log = reload_into_a_configuration_broken_after_the_check(site, "http = 127.0.0.1:notaport\n")
    assert 'bad port "notaport"' in log, log[-3000:]
    os.kill(master, signal.SIGINT)
    assert wait_until(lambda: not pid_alive(master), timeout=15), site.log()[-3000:]


@pytest.mark.parametrize("line, named", [
    ("cache2 = name=c,items=notanumber\n", "cache2"),  # refused by the option checks
    ("plugin = python29\n", "python29"),                # no such Python plugin to load
])
def test_a_reload_whose_configuration_cannot_be_read_then_a_good_reload(site, line, named):
    """The new image fails before it could start at all (its configuration is refused, its plugin
    is missing): it stays as a degraded master over the old workers instead of exiting with them,
    `--reload` hears why, and the next, good reload hands the listening socket on: the new code
    serves on the same address from the same master."""
    master, log = reload_into_a_configuration_broken_after_the_check(site, line)
    assert named in log[log.index("reload failed"):], log[-3000:]
    site.write_ini(processes="2")  # the broken line gone
    site.app.write_text(site.app.read_text().split("\nimport os as _os\n")[0] + "\n")
    site.deploy("v2-reloaded")
    result = site.run("--reload", "pid.log")
    assert result.returncode == 0, result.stdout + result.stderr + site.log()[-3000:]
    assert wait_until(lambda: site.get("/") == (200, "v2-reloaded hello"), timeout=20), site.log()[-3000:]
    assert site.master() == master  # the reload is an exec in place
    os.kill(master, signal.SIGINT)
    assert wait_until(lambda: not pid_alive(master), timeout=15), site.log()[-3000:]
