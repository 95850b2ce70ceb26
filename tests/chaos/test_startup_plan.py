"""A reload whose new image fails in its first steps (the users, the sockets), before it installed its
signal queue: the configuration changed between the reload check and the exec. The master must stay,
degraded, with the previous workers serving, and still obey signals."""
import os
import signal

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
