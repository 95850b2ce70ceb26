"""uwsgidecorators for appserver (a uWSGI work-alike), written for appserver against its `uwsgi`
module, with the names and the behaviour of uWSGI's own module (docs/uwsgi-api.md):

  postfork            run after fork in each worker (and mule), or in worker N
  lock, harakiri      hold uwsgi lock 0 / give a call a harakiri deadline
  spool, spoolforever, spoolraw, manage_spool_request    the spooler
  signal, timer, rbtimer, cron, filemon, get_free_signal  uWSGI signals
  mulefunc, mule, muleloop, mulemsg, farm, mule_msg_dispatcher  mules
  thread              run the call in a new thread

rpc and erlang are importable, but using one raises NotImplementedError (not built in appserver).
The data these decorators leave for other processes (spooler task keys, the pickled @mulefunc
message) has uWSGI's layout, so tasks and messages move between the two servers.
"""

import functools
import pickle
import sys
import threading

import uwsgi


# --- postfork ---------------------------------------------------------------------------------
# (worker id, function) in the order registered; worker id 0: every process that runs the chain.
# The server calls uwsgi.post_fork_hook in each worker after fork (under lazy-apps: once the worker
# has loaded the app) and in each mule; the mule decorators below use the chain too.
postfork_chain = []


def _run_postfork_chain():
    me = uwsgi.worker_id()
    for wid, function in list(postfork_chain):
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


# --- locks and harakiri -----------------------------------------------------------------------

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


def thread(function):
    """@thread: each call runs the function in a new daemon thread and returns at once."""
    @functools.wraps(function)
    def started(*args, **kwargs):
        worker = threading.Thread(target=function, args=args, kwargs=kwargs, daemon=True)
        worker.start()
        return worker
    return started


# --- spooler ----------------------------------------------------------------------------------
# A task names its function under 'ud_spool_func'; @spool and @spoolforever also store the answer
# the spooler gives (SPOOL_OK / SPOOL_RETRY) under 'ud_spool_ret'; with pass_arguments=True the
# call's positional and keyword arguments travel pickled under 'args' and 'kwargs'.
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

    decorator_name = "spoolraw"
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


spoolraw = _spooler_decorator(_SpoolerTask)  # the function's return value (SPOOL_*) decides
spool = _spooler_decorator(_Spool)
spoolforever = _spooler_decorator(_SpoolForever)


# --- signals, timers, cron, file monitors -----------------------------------------------------
# Each decorator makes the function the handler of a uWSGI signal number (signum=, else the lowest
# free one) for a target (target=, default: the first free worker) and, for the sources, asks the
# master to raise that signal. The handler is called as function(signum).

def get_free_signal():
    """The lowest signal number this process has no handler for."""
    for signum in range(256):
        if not uwsgi.signal_registered(signum):
            return signum
    raise Exception("No free uwsgi signal available")


def _handle(signum, target, function):
    if signum is None:
        signum = get_free_signal()
    uwsgi.register_signal(signum, target, function)
    return signum


def signal(num, target=""):
    """@signal(num, target=''): the function handles uWSGI signal num (uwsgi.signal(num))."""
    def decorate(function):
        _handle(num, target, function)
        return function
    return decorate


def timer(seconds, signum=None, target=""):
    """@timer(seconds): the function runs every `seconds`."""
    def decorate(function):
        uwsgi.add_timer(_handle(signum, target, function), seconds)
        return function
    return decorate


def rbtimer(seconds, signum=None, target=""):
    """@rbtimer(seconds): as @timer (uWSGI's red-black-tree timer)."""
    def decorate(function):
        uwsgi.add_rb_timer(_handle(signum, target, function), seconds)
        return function
    return decorate


def cron(minute, hour, day, month, weekday, signum=None, target=""):
    """@cron(minute, hour, day, month, weekday): -1 any, -N every N, as uwsgi.add_cron."""
    def decorate(function):
        uwsgi.add_cron(_handle(signum, target, function), minute, hour, day, month, weekday)
        return function
    return decorate


def filemon(path, signum=None, target=""):
    """@filemon(path): the function runs when the file (or a directory's entries) changes."""
    def decorate(function):
        uwsgi.add_file_monitor(_handle(signum, target, function), path)
        return function
    return decorate


# --- mules ------------------------------------------------------------------------------------
# @mulefunc functions by name: a mule runs the one a message names. The app is imported in the
# master before the mules fork (not under lazy-apps), so every mule knows them.
mule_functions = {}
_MULEFUNC_SERVICE = "uwsgi_mulefunc"  # the message's 'service', as uWSGI's decorator writes it


def mulefunc(function_or_target):
    """@mulefunc, or @mulefunc(mule id or farm name): calling the function (in a worker) queues a
    pickled call for a mule running the message loop (a bare `mule`); it returns None at once."""
    def bind(function, target):
        mule_functions[function.__name__] = function

        @functools.wraps(function)
        def send(*args, **kwargs):
            message = {"service": _MULEFUNC_SERVICE, "func": function.__name__, "args": args,
                       "kwargs": kwargs}
            uwsgi.mule_msg(pickle.dumps(message), target)
        return send
    if callable(function_or_target):
        return bind(function_or_target, 0)
    return lambda function: bind(function, function_or_target)


def mule_msg_dispatcher(message):
    """The message loop's hook: runs a @mulefunc call; any other message is not for this module."""
    try:
        call = pickle.loads(message)
    except Exception:
        return None
    if not isinstance(call, dict) or call.get("service") != _MULEFUNC_SERVICE:
        return None
    return mule_functions[call["func"]](*call["args"], **call["kwargs"])


uwsgi.install_mule_msg_hook(mule_msg_dispatcher)


def _in_mule(num):
    return uwsgi.mule_id() != 0 and uwsgi.mule_id() == num


def _or_exit(function):
    """As uWSGI's mule decorators: an exception ends the mule (the master starts it again)."""
    try:
        function()
    except BaseException:
        sys.excepthook(*sys.exc_info())
        sys.exit(1)


def mule(num):
    """@mule(N): mule N runs the function once after fork."""
    def decorate(function):
        postfork_chain.append((0, lambda: _or_exit(function) if _in_mule(num) else None))
        return function
    return decorate


def muleloop(num):
    """@muleloop(N): mule N runs the function again and again."""
    def decorate(function):
        def loop():
            if _in_mule(num):
                while True:
                    _or_exit(function)
        postfork_chain.append((0, loop))
        return function
    return decorate


def mulemsg(num):
    """@mulemsg(N): mule N calls function(message) for every message it receives."""
    def decorate(function):
        def loop():
            if _in_mule(num):
                while True:
                    message = uwsgi.mule_get_msg()
                    if message:
                        function(message)
        postfork_chain.append((0, loop))
        return function
    return decorate


def farm(name=None, **ignored):
    """@farm(name): each mule of the farm calls function(message) for every farm message."""
    def decorate(function):
        def loop():
            if uwsgi.mule_id() == 0 or not uwsgi.in_farm(name):
                return
            while True:
                message = uwsgi.farm_get_msg()
                if message:
                    function(message)
        postfork_chain.append((0, loop))
        return function
    return decorate


# uWSGI's module exposes its helpers under these names too; code that imports them still works.
mule_brain = mule
mule_brainloop = muleloop
mulemsg_loop = mulemsg
farm_loop = farm


# --- not built --------------------------------------------------------------------------------

def _not_built(name):
    class NotBuilt(object):
        def __init__(self, *args, **kwargs):
            raise NotImplementedError(
                "uwsgidecorators.%s is not implemented in appserver; see docs/uwsgi-api.md" % name)
    NotBuilt.__name__ = name
    return NotBuilt


rpc = _not_built("rpc")
erlang = _not_built("erlang")
