"""A mule script that never reads its messages (its queue fills up)."""
import time

while True:
    time.sleep(100)
