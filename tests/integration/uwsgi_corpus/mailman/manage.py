#!/usr/bin/env python3
"""Stands in for mailman-web's manage.py: the qcluster daemon and cron jobs uWSGI would run wait, and
leave when their parent does (bounded: at most 60 s)."""
import os
import time

if __name__ == "__main__":
    parent = os.getppid()
    deadline = time.monotonic() + 60
    while os.getppid() == parent and time.monotonic() < deadline:
        time.sleep(0.5)
