#pragma once
// Process facts and orders of the `uwsgi` module: reload(), stop(), set_user_harakiri(), logsize().

#include <cstdint>

namespace appserver::api {

// A graceful reload of the whole instance, as `--reload PIDFILE` (SIGHUP to the master). False
// when the signal could not be sent (logged).
bool reload();

// A graceful stop, as `--stop PIDFILE` (SIGTERM to the master). False when it could not be sent.
bool stop();

// A deadline for the request the calling thread is running: when it is still running `seconds`
// from now, the worker is killed as by harakiri (a 504 when nothing was sent yet) and replaced.
// 0 clears it; it is cleared when the request ends. False outside a request.
bool set_user_harakiri(int seconds);

// Bytes in the server's log file now; 0 when the log is not a regular file (a terminal, a pipe).
std::uint64_t logsize();

}  // namespace appserver::api
