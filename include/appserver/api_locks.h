#pragma once
// User locks (uWSGI's uwsgi.lock/unlock/is_locked): `locks = N` gives locks 0..N, shared by every
// process of the instance, created by the master before it forks. A lock whose holder died is
// recovered by the next locker (a warning is logged), so a killed worker never deadlocks the rest.

namespace appserver::api {

// How many locks there are (numbers 0..lock_count()-1); 0 outside a server (no lock area).
int lock_count();

// Blocks until lock `n` is held by the calling thread. False when `n` is out of range or the lock
// failed (logged). Call it without any interpreter lock held: it may wait.
bool lock(int n);

// Releases lock `n`; a lock the calling thread does not hold is left alone (false), as uWSGI.
bool unlock(int n);

// True when some thread of some process of the instance holds lock `n`.
bool is_locked(int n);

}  // namespace appserver::api
