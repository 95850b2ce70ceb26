"""uwsgidecorators for appserver (a uWSGI work-alike), written against appserver's `uwsgi` module.

Built so far: postfork, lock, harakiri, spool, spoolforever, spoolraw (and manage_spool_request),
signal, timer, rbtimer, cron, filemon and get_free_signal. The other decorators of uWSGI's module
import, but calling one raises NotImplementedError until the API under it exists; see docs/uwsgi-api.md.
"""

import functools
import pickle

import uwsgi

# --- postfork ---------------------------------------------------------------------------------
# (worker id, function) in the order decorated; worker id 0: every worker. The module installs
# uwsgi.post_fork_hook, which the server calls in each worker after fork (under lazy-apps: once the
# worker has loaded the app).
postfork_chain = []


def _run_postfork_chain():
    me = uwsgi.worker_id()
    for wid, function in postfork_chain:
        if wid == 0 or wid == me:
            function()


uwsgi.post_fork_hook = _run_postfork_chain


def postfork(function_or_worker):
    """@postfork runs the function in each worker after fork (database reconnects, tracers);
    @postfork(N) only in worker N."""
    if callable(function_or_worker):
        postfork_chain.append((0, function_or_worker))
        return function_or_worker

    def register(function):
        postfork_chain.append((function_or_worker, function))
        return function
    return register


# --- spooler ----------------------------------------------------------------------------------
# A task names its function under 'ud_spool_func'; @spool and @spoolforever also store the answer
# the spooler gives (SPOOL_OK / SPOOL_RETRY) under 'ud_spool_ret'; with pass_arguments=True the
# call's positional and keyword arguments travel pickled under 'args' and 'kwargs'. The key names
# are uWSGI's, so a task written by either server runs under the other.
spooler_functions = {}
# Keys that stay spooler parameters (not function arguments) under pass_arguments.
_SPOOL_PARAMETERS = ("message_dict", "spooler", "priority", "at", "body")


def _as_text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _as_bytes(value):
    return value.encode("utf-8") if isinstance(value, str) else value


def manage_spool_request(env):
    """uwsgi.spooler as this module sets it: runs the task's @spool/@spoolforever/@spoolraw function."""
    task = {_as_text(key): value for key, value in env.items()}
    call = None
    if "args" in task:
        call = (pickle.loads(task.pop("args")), pickle.loads(task.pop("kwargs")))
    task = {key: _as_text(value) for key, value in task.items()}
    function = spooler_functions[task["ud_spool_func"]]
    result = function(*call[0], **call[1]) if call is not None else function(task)
    return int(task.get("ud_spool_ret", result))


uwsgi.spooler = manage_spool_request


class _SpoolerTask(object):
    """What @spoolraw/@spool/@spoolforever return: calling it (or its .spool) writes a task."""

    answer = None  # a uwsgi.SPOOL_* name fixed by the decorator; None: the function's return value

    def __init__(self, function, pass_arguments):
        if "spooler" not in uwsgi.opt:
            raise Exception("@%s needs a spooler: add `spooler = DIR` to the configuration"
                            % self.decorator_name)
        self.function = function
        self.pass_arguments = pass_arguments
        spooler_functions[function.__name__] = function
        function.spool = self.__call__  # uWSGI before 1.9.13 spooled with function.spool(...)

    def __call__(self, *args, **kwargs):
        task = {"ud_spool_func": self.function.__name__}
        if self.answer is not None:
            task["ud_spool_ret"] = str(getattr(uwsgi, self.answer))
        if self.pass_arguments:
            for key in _SPOOL_PARAMETERS:
                if key in kwargs:
                    task[key] = kwargs.pop(key)
            task["args"] = pickle.dumps(args)
            task["kwargs"] = pickle.dumps(kwargs)
        else:
            if args:
                task.update(args[0])
            task.update(kwargs)
        return uwsgi.spool({_as_bytes(key): _as_bytes(value) for key, value in task.items()})

    def spool(self, *args, **kwargs):
        return self(*args, **kwargs)


class _SpoolRaw(_SpoolerTask):
    decorator_name = "spoolraw"


class _Spool(_SpoolerTask):
    decorator_name = "spool"
    answer = "SPOOL_OK"  # done once the function returns


class _SpoolForever(_SpoolerTask):
    decorator_name = "spoolforever"
    answer = "SPOOL_RETRY"  # runs again at every scan


def _spooler_decorator(kind):
    def decorate(function=None, pass_arguments=False):
        if function is None:  # @spool(pass_arguments=True)
            return lambda f: kind(f, pass_arguments)
        return kind(function, pass_arguments)
    decorate.__name__ = kind.decorator_name
    return decorate


spoolraw = _spooler_decorator(_SpoolRaw)  # the function's return value (SPOOL_OK/RETRY/IGNORE) decides
spool = _spooler_decorator(_Spool)
spoolforever = _spooler_decorator(_SpoolForever)


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
erlang = _decorator("erlang")
thread = _decorator("thread")


def lock(function):
    """@lock: the function runs holding uwsgi lock 0, shared by every process of the instance. As
    with uWSGI's decorator, in the spooler (which takes no locks there) the call is skipped."""
    @functools.wraps(function)
    def locked(*args, **kwargs):
        in_spooler = getattr(uwsgi, "i_am_the_spooler", None)
        if in_spooler is not None and in_spooler():
            return None
        uwsgi.lock()
        try:
            return function(*args, **kwargs)
        finally:
            uwsgi.unlock()
    return locked


def harakiri(seconds):
    """@harakiri(seconds): a call that takes longer kills the worker (uwsgi.set_user_harakiri)."""
    def decorate(function):
        @functools.wraps(function)
        def limited(*args, **kwargs):
            uwsgi.set_user_harakiri(seconds)
            try:
                return function(*args, **kwargs)
            finally:
                uwsgi.set_user_harakiri(0)
        return limited
    return decorate


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
