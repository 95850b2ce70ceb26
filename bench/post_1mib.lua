-- wrk script for bench/scenarios.py: every request a 1 MiB POST to /read.
wrk.method = "POST"
wrk.body = string.rep("x", 1024 * 1024)
wrk.headers["Content-Type"] = "application/octet-stream"
