"""`mule = uwsgi_mules_callable:run`: the mule imports this module and calls run()."""
import os

import uwsgi


def run():
    out = os.environ["MULES_OUT"]
    name = os.path.join(out, "callable-%d" % uwsgi.mule_id())
    with open(name + ".tmp", "w") as f:
        f.write("%d %s" % (os.getpid(), uwsgi.mule_file()))
    os.rename(name + ".tmp", name)  # the test reads it as soon as it exists
    while True:
        uwsgi.mule_get_msg(timeout=30)
