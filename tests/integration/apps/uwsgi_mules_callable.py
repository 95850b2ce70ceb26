"""`mule = uwsgi_mules_callable:run`: the mule imports this module and calls run()."""
import os

import uwsgi


def run():
    out = os.environ["MULES_OUT"]
    with open(os.path.join(out, "callable-%d" % uwsgi.mule_id()), "w") as f:
        f.write("%d %s" % (os.getpid(), uwsgi.mule_file()))
    while True:
        uwsgi.mule_get_msg(timeout=30)
