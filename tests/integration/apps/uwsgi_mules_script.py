"""A mule script (`mule = uwsgi_mules_script.py`): writes each message it receives to a file named
by the message's text before the first colon."""
import os

import uwsgi

OUT = os.environ["MULES_OUT"]
me = uwsgi.mule_id()
open(os.path.join(OUT, "started-%d-%d" % (me, os.getpid())), "w").close()

while True:
    message = uwsgi.mule_get_msg(timeout=30)
    if message is None:
        continue
    text = message.decode()
    name = text.split(":", 1)[0]
    tmp = os.path.join(OUT, name + ".tmp")
    with open(tmp, "w") as f:
        f.write("%d %d %s" % (me, os.getpid(), text))
    os.rename(tmp, os.path.join(OUT, name))
