#!/usr/bin/env python3
"""Stands in for Django's manage.py: `migrate` succeeds at once; the daemons uWSGI attaches (sendalerts,
sendreports, smtpd) wait, and leave when their parent does (bounded: at most 60 s)."""
import os
import sys
import time

if __name__ == "__main__":
    if sys.argv[1:2] != ["migrate"]:
        parent = os.getppid()
        deadline = time.monotonic() + 60
        while os.getppid() == parent and time.monotonic() < deadline:
            time.sleep(0.5)
