"""uwsgidecorators for appserver (a uWSGI work-alike), written against appserver's `uwsgi` module.

Built so far: postfork. The other decorators of uWSGI's module import, but calling one raises
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
lock = _decorator("lock")
thread = _decorator("thread")
harakiri = _decorator("harakiri")
cron = _decorator("cron")
get_free_signal = _planned("get_free_signal")
manage_spool_request = _planned("manage_spool_request")
