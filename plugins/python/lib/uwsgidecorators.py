"""uwsgidecorators for appserver (a uWSGI work-alike), written against appserver's `uwsgi` module.

Built so far: postfork, lock, harakiri. The other decorators of uWSGI's module import, but calling one raises
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
signal = _decorator("signal")
timer = _decorator("timer")
rbtimer = _decorator("rbtimer")
filemon = _decorator("filemon")
erlang = _decorator("erlang")
thread = _decorator("thread")
cron = _decorator("cron")
get_free_signal = _planned("get_free_signal")
manage_spool_request = _planned("manage_spool_request")


class lock(object):
    """@lock: the function runs holding uwsgi lock 0 (all processes of the instance), as uWSGI's."""

    def __init__(self, f):
        self.f = f

    def __call__(self, *args, **kwargs):
        # uWSGI's spooler cannot take locks: there the call is skipped, as uWSGI's decorator does.
        i_am_the_spooler = getattr(uwsgi, "i_am_the_spooler", None)
        if i_am_the_spooler is not None and i_am_the_spooler():
            return None
        uwsgi.lock()
        try:
            return self.f(*args, **kwargs)
        finally:
            uwsgi.unlock()


class harakiri(object):
    """@harakiri(seconds): the worker is killed if one call takes longer (uwsgi.set_user_harakiri)."""

    def __init__(self, seconds):
        self.s = seconds

    def real_call(self, *args, **kwargs):
        uwsgi.set_user_harakiri(self.s)
        r = self.f(*args, **kwargs)
        uwsgi.set_user_harakiri(0)
        return r

    def __call__(self, f):
        self.f = f
        return self.real_call
