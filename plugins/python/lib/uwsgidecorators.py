"""uwsgidecorators for appserver (a uWSGI work-alike), written against appserver's `uwsgi` module.

Built so far: postfork, spool, spoolforever, spoolraw (and manage_spool_request). The other
decorators of uWSGI's module import, but calling one raises NotImplementedError until the API under
it exists (issue 12); see docs/uwsgi-api.md.
"""

import pickle
from functools import partial

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


# --- spooler (as uWSGI's uwsgidecorators: the task names its function in b'ud_spool_func'; with
# pass_arguments the call's args and kwargs travel pickled in b'args' and b'kwargs').
spooler_functions = {}


def _encode1(val):
    return val.encode('utf-8') if isinstance(val, str) else val


def _decode1(val):
    return val.decode('utf-8') if isinstance(val, bytes) else val


def _encode_to_spooler(vars):
    return dict((_encode1(k), _encode1(v)) for (k, v) in vars.items())


def _decode_from_spooler(vars):
    return dict((_decode1(k), _decode1(v)) for (k, v) in vars.items())


def manage_spool_request(vars):
    """uwsgi.spooler as set by this module: runs the @spool/@spoolforever/@spoolraw function."""
    vars = dict((_decode1(k), v) for (k, v) in vars.items())
    if 'args' in vars:
        for k in ('args', 'kwargs'):
            vars[k] = pickle.loads(vars.pop(k))
    vars = _decode_from_spooler(vars)
    f = spooler_functions[vars['ud_spool_func']]
    if 'args' in vars:
        ret = f(*vars['args'], **vars['kwargs'])
    else:
        ret = f(vars)
    return int(vars.get('ud_spool_ret', ret))


uwsgi.spooler = manage_spool_request


class _spoolraw(object):

    def __call__(self, *args, **kwargs):
        arguments = self.base_dict.copy()
        if not self.pass_arguments:
            if len(args) > 0:
                arguments.update(args[0])
            if kwargs:
                arguments.update(kwargs)
        else:
            spooler_args = {}
            for key in ('message_dict', 'spooler', 'priority', 'at', 'body'):
                if key in kwargs:
                    spooler_args.update({key: kwargs.pop(key)})
            arguments.update(spooler_args)
            arguments.update({'args': pickle.dumps(args), 'kwargs': pickle.dumps(kwargs)})
        return uwsgi.spool(_encode_to_spooler(arguments))

    # For backward compatibility (uWSGI < 1.9.13)
    def spool(self, *args, **kwargs):
        return self.__class__.__call__(self, *args, **kwargs)

    def __init__(self, f, pass_arguments):
        if 'spooler' not in uwsgi.opt:
            raise Exception(
                "you have to enable the uWSGI spooler to use @%s decorator" % self.__class__.__name__)
        self.f = f
        spooler_functions[self.f.__name__] = self.f
        # For backward compatibility (uWSGI < 1.9.13)
        self.f.spool = self.__call__
        self.pass_arguments = pass_arguments
        self.base_dict = {'ud_spool_func': self.f.__name__}


class _spool(_spoolraw):
    """The function's return value is ignored: the task is done (SPOOL_OK) once it returns."""

    def __call__(self, *args, **kwargs):
        self.base_dict['ud_spool_ret'] = str(uwsgi.SPOOL_OK)
        return _spoolraw.__call__(self, *args, **kwargs)


class _spoolforever(_spoolraw):
    """The task runs again at every scan (SPOOL_RETRY), whatever the function returns."""

    def __call__(self, *args, **kwargs):
        self.base_dict['ud_spool_ret'] = str(uwsgi.SPOOL_RETRY)
        return _spoolraw.__call__(self, *args, **kwargs)


def spool_decorate(f=None, pass_arguments=False, _class=_spoolraw):
    if not f:
        return partial(_class, pass_arguments=pass_arguments)
    return _class(f, pass_arguments)


def spoolraw(f=None, pass_arguments=False):
    """@spoolraw: the function's return value (SPOOL_OK/RETRY/IGNORE) decides."""
    return spool_decorate(f, pass_arguments)


def spool(f=None, pass_arguments=False):
    return spool_decorate(f, pass_arguments, _spool)


def spoolforever(f=None, pass_arguments=False):
    return spool_decorate(f, pass_arguments, _spoolforever)


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
