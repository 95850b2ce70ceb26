"""uwsgidecorators for appserver (a uWSGI work-alike), written against appserver's `uwsgi` module.

Built so far: postfork; signal, timer, rbtimer, cron, filemon and get_free_signal. The other decorators of uWSGI's module import, but calling one raises
NotImplementedError until the API under it exists (issue 12); see docs/uwsgi-api.md.
"""

import uwsgi

# Functions decorated with @postfork, called in order in each worker after fork (under lazy-apps:
# after the app is loaded in the worker), as uWSGI's uwsgidecorators does.
postfork_chain = []


def _postfork_chain_hook():
    for f in postfork_chain:
        f()


uwsgi.post_fork_hook = _postfork_chain_hook


class postfork(object):
    """@postfork: call the function in each worker after fork (database reconnects, tracers)."""

    def __init__(self, f):
        if callable(f):
            self.wid = 0
            self.f = f
        else:
            # @postfork(wid): only in that worker, as uWSGI allows.
            self.f = None
            self.wid = f
        postfork_chain.append(self)

    def __call__(self, *args, **kwargs):
        if self.f:
            if self.wid > 0 and self.wid != uwsgi.worker_id():
                return None
            return self.f()
        self.f = args[0]
        return self.f


def _planned(name):
    def refuse(*args, **kwargs):
        raise NotImplementedError(
            "uwsgidecorators.%s is not implemented in appserver yet (issue 12); "
            "see docs/uwsgi-api.md" % name)
    return refuse


class _PlannedDecorator(object):
    """Importable now; using it raises NotImplementedError naming issue 12."""

    name = "?"

    def __init__(self, *args, **kwargs):
        _planned(self.name)()


def _decorator(name):
    return type(name, (_PlannedDecorator,), {"name": name})


spool = _decorator("spool")
spoolforever = _decorator("spoolforever")
spoolraw = _decorator("spoolraw")
mulefunc = _decorator("mulefunc")
mule_brain = _decorator("mule_brain")
mule_brainloop = _decorator("mule_brainloop")
mulemsg_dispatcher = _decorator("mulemsg_dispatcher")
rpc = _decorator("rpc")
farm_loop = _decorator("farm_loop")
erlang = _decorator("erlang")
lock = _decorator("lock")
thread = _decorator("thread")
harakiri = _decorator("harakiri")
manage_spool_request = _planned("manage_spool_request")


# --- signals, timers, cron, file monitors (docs/uwsgi-api.md, "Signals, timers, cron") ---------
# As uWSGI's: each decorator registers the function as the handler of a signal number (given with
# signum=, else the first free one) for a target (target=, default: the first free worker), then
# asks the master for the source of that signal. The handler is called with the signal number.


def get_free_signal():
    """The lowest signal number with no handler in this process."""
    for signum in range(0, 256):
        if not uwsgi.signal_registered(signum):
            return signum
    raise Exception("No free uwsgi signal available")


class signal(object):
    """@signal(num, target=''): the function handles uWSGI signal num (raised with uwsgi.signal)."""

    def __init__(self, num, **kwargs):
        self.num = num
        self.target = kwargs.get("target", "")

    def __call__(self, f):
        uwsgi.register_signal(self.num, self.target, f)
        return f


class timer(object):
    """@timer(seconds, signum=None, target=''): the function runs every `seconds`."""

    def __init__(self, secs, **kwargs):
        self.num = kwargs.get("signum", None)
        if self.num is None:
            self.num = get_free_signal()
        self.secs = secs
        self.target = kwargs.get("target", "")

    def _add(self):
        uwsgi.add_timer(self.num, self.secs)

    def __call__(self, f):
        uwsgi.register_signal(self.num, self.target, f)
        self._add()
        return f


class rbtimer(timer):
    """@rbtimer(seconds, signum=None, target=''): as @timer (uWSGI's red-black timer)."""

    def _add(self):
        uwsgi.add_rb_timer(self.num, self.secs)


class cron(object):
    """@cron(minute, hour, day, month, weekday, signum=None, target=''): -1 any, -N every N."""

    def __init__(self, minute, hour, day, month, dayweek, **kwargs):
        self.num = kwargs.get("signum", None)
        if self.num is None:
            self.num = get_free_signal()
        self.minute = minute
        self.hour = hour
        self.day = day
        self.month = month
        self.dayweek = dayweek
        self.target = kwargs.get("target", "")

    def __call__(self, f):
        uwsgi.register_signal(self.num, self.target, f)
        uwsgi.add_cron(self.num, self.minute, self.hour, self.day, self.month, self.dayweek)
        return f


class filemon(object):
    """@filemon(path, signum=None, target=''): the function runs when path (file or directory) changes."""

    def __init__(self, fsobj, **kwargs):
        self.num = kwargs.get("signum", None)
        if self.num is None:
            self.num = get_free_signal()
        self.fsobj = fsobj
        self.target = kwargs.get("target", "")

    def __call__(self, f):
        uwsgi.register_signal(self.num, self.target, f)
        uwsgi.add_file_monitor(self.num, self.fsobj)
        return f
