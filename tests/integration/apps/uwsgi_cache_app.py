"""uwsgi.cache_* as public code uses them; /check runs the API's corner cases in the worker and
answers "ok" or the first surprise. Answers are JSON: the pid and the call's result."""
import json
import os
import time
from urllib.parse import parse_qs

import uwsgi


def shown(value):
    if isinstance(value, bytes):
        return {"bytes": value.decode()}
    return value


def check():
    got = []

    def expect(what, actual, wanted):
        if actual != wanted:
            got.append("%s: got %r, wanted %r" % (what, actual, wanted))

    expect("set new", uwsgi.cache_set("k1", "v1"), True)
    expect("set existing", uwsgi.cache_set("k1", "other"), None)
    expect("get str key", uwsgi.cache_get("k1"), b"v1")
    expect("get bytes key", uwsgi.cache_get(b"k1"), b"v1")
    expect("update", uwsgi.cache_update("k1", b"v2"), True)
    expect("get after update", uwsgi.cache_get("k1"), b"v2")
    expect("exists", uwsgi.cache_exists("k1"), True)
    expect("exists missing", uwsgi.cache_exists("nope"), None)
    expect("get missing", uwsgi.cache_get("nope"), None)
    expect("del", uwsgi.cache_del("k1"), True)
    expect("del missing", uwsgi.cache_del("k1"), None)
    expect("empty value", uwsgi.cache_set("empty", b""), None)
    expect("too big", uwsgi.cache_set("big", b"x" * 1025, 0, "small"), None)
    expect("fits", uwsgi.cache_set("big", b"x" * 1024, 0, "small"), True)
    expect("named get", uwsgi.cache_get("big", "small"), b"x" * 1024)
    expect("named is apart", uwsgi.cache_get("big"), None)
    expect("keywords", uwsgi.cache_set("kw", "v", expires=0, cache="small"), True)
    expect("keys", sorted(uwsgi.cache_keys("small")), [b"big", b"kw"])
    expect("clear", uwsgi.cache_clear("small"), True)
    expect("keys after clear", uwsgi.cache_keys("small"), [])
    expect("no such cache get", uwsgi.cache_get("k", "nosuch"), None)
    expect("no such cache set", uwsgi.cache_set("k", "v", 0, "nosuch"), None)
    try:
        uwsgi.cache_keys("nosuch")
        got.append("cache_keys of a missing cache did not raise")
    except ValueError as e:
        expect("cache_keys error", str(e), "no local uWSGI cache available")
    # A full cache without purge_lru refuses; with purge_lru the least recently used goes.
    for i in range(3):
        expect("fill tiny %d" % i, uwsgi.cache_set("t%d" % i, "v", 0, "tiny"), True)
    expect("tiny full", uwsgi.cache_set("t3", "v", 0, "tiny"), None)
    for i in range(3):
        expect("fill lru %d" % i, uwsgi.cache_set("l%d" % i, "v", 0, "lru"), True)
    uwsgi.cache_get("l0", "lru")
    expect("lru purges", uwsgi.cache_set("l3", "v", 0, "lru"), True)
    expect("lru dropped l1", uwsgi.cache_exists("l1", "lru"), None)
    expect("lru kept l0", uwsgi.cache_exists("l0", "lru"), True)
    return "ok" if not got else "; ".join(got)


def application(environ, start_response):
    path = environ["PATH_INFO"]
    q = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
    cache = q.get("cache")
    key = q.get("k", "")
    if path == "/set":
        result = uwsgi.cache_set(key, q["v"], int(q.get("expires", 0)), cache)
    elif path == "/update":
        result = uwsgi.cache_update(key, q["v"], int(q.get("expires", 0)), cache)
    elif path == "/get":
        result = uwsgi.cache_get(key, cache)
    elif path == "/check":
        result = check()
    else:
        result = "unknown"
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps({"pid": os.getpid(), "result": shown(result), "t": time.time()}).encode()]
