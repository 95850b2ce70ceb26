"""uwsgidecorators for appserver (a uWSGI work-alike), written against appserver's `uwsgi` module.

Built so far: postfork; the mule decorators (mulefunc, mule, muleloop, mulemsg, farm, mule_brain,
mule_brainloop, farm_loop, mulemsg_loop, mule_msg_dispatcher). The other decorators of uWSGI's module import, but calling one raises
NotImplementedError until the API under it exists (issue 12); see docs/uwsgi-api.md.
"""

import pickle
import sys

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
rpc = _decorator("rpc")
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


# --- mules (uWSGI's uwsgidecorators, same names and behaviour; docs/uwsgi-api.md "Mules")

# Functions decorated with @mulefunc, by name: a mule runs the one a message names. The app module
# is imported in the master before the mules fork (not under lazy-apps), so every mule knows them.
mule_functions = {}


class mulefunc(object):
    """@mulefunc or @mulefunc(mule_id_or_farm): calling the function in a worker queues a pickled
    call; a mule running the message loop (bare `mule`) runs it. Returns None at once."""

    def __init__(self, f):
        if callable(f):
            self.fname = f.__name__
            self.mule = 0
            mule_functions[f.__name__] = f
        else:
            self.mule = f
            self.fname = None

    def real_call(self, *args, **kwargs):
        uwsgi.mule_msg(pickle.dumps(
            {
                'service': 'uwsgi_mulefunc',
                'func': self.fname,
                'args': args,
                'kwargs': kwargs
            }
        ), self.mule)

    def __call__(self, *args, **kwargs):
        if not self.fname:
            self.fname = args[0].__name__
            mule_functions[self.fname] = args[0]
            return self.real_call

        return self.real_call(*args, **kwargs)


def mule_msg_dispatcher(message):
    """The message loop's hook for @mulefunc calls; other messages are left to other hooks."""
    try:
        msg = pickle.loads(message)
    except Exception:
        return None
    if isinstance(msg, dict) and msg.get('service') == 'uwsgi_mulefunc':
        return mule_functions[msg['func']](*msg['args'], **msg['kwargs'])
    return None


uwsgi.install_mule_msg_hook(mule_msg_dispatcher)


class farm_loop(object):

    def __init__(self, f, farm):
        self.f = f
        self.farm = farm

    def __call__(self):
        if uwsgi.mule_id() == 0:
            return
        if not uwsgi.in_farm(self.farm):
            return
        while True:
            message = uwsgi.farm_get_msg()
            if message:
                self.f(message)


class farm(object):
    """@farm(name): in each mule of the farm, after fork, loop calling f(message) forever."""

    def __init__(self, name=None, **kwargs):
        self.name = name

    def __call__(self, f):
        postfork_chain.append(farm_loop(f, self.name))


class mule_brain(object):

    def __init__(self, f, num):
        self.f = f
        self.num = num

    def __call__(self):
        if uwsgi.mule_id() == self.num:
            try:
                self.f()
            except BaseException:
                exc = sys.exc_info()
                sys.excepthook(exc[0], exc[1], exc[2])
                sys.exit(1)


class mule_brainloop(mule_brain):

    def __call__(self):
        if uwsgi.mule_id() == self.num:
            while True:
                try:
                    self.f()
                except BaseException:
                    exc = sys.exc_info()
                    sys.excepthook(exc[0], exc[1], exc[2])
                    sys.exit(1)


class mule(object):
    """@mule(N): mule N runs f() after fork (instead of its message loop while f runs)."""

    def __init__(self, num):
        self.num = num

    def __call__(self, f):
        postfork_chain.append(mule_brain(f, self.num))


class muleloop(mule):
    """@muleloop(N): mule N calls f() again and again."""

    def __call__(self, f):
        postfork_chain.append(mule_brainloop(f, self.num))


class mulemsg_loop(object):

    def __init__(self, f, num):
        self.f = f
        self.num = num

    def __call__(self):
        if uwsgi.mule_id() == self.num:
            while True:
                message = uwsgi.mule_get_msg()
                if message:
                    self.f(message)


class mulemsg(object):
    """@mulemsg(N): mule N calls f(message) for every message it receives."""

    def __init__(self, num):
        self.num = num

    def __call__(self, f):
        postfork_chain.append(mulemsg_loop(f, self.num))
