#pragma once
// A pthread mutex that lives in shared memory and is shared by every process of the instance
// (PTHREAD_PROCESS_SHARED) and survives its owner's death (PTHREAD_MUTEX_ROBUST): when a worker
// dies holding it (harakiri, kill -9, a crash), the kernel hands it to the next locker with
// EOWNERDEAD; that locker marks it consistent and goes on, so the others never deadlock.

#include <pthread.h>

#include <string>
#include <string_view>

namespace appserver {

// Initialises `mutex` (zeroed shared memory) as process-shared and robust; false with `error`.
bool init_robust_mutex(pthread_mutex_t* mutex, std::string_view what, std::string& error);

enum class LockOutcome {
    locked,         // taken
    owner_died,     // taken; its previous owner died holding it (the data it guards may be half-written)
    failed,         // not taken (logged)
};

// Blocks until the mutex is held. `what` names it in the log ("lock 0", "cache \"default\"").
LockOutcome lock_robust(pthread_mutex_t* mutex, std::string_view what);

// Releases a mutex this thread holds. A mutex this thread does not hold is left alone (EPERM, as
// uWSGI ignores it); false then.
bool unlock_robust(pthread_mutex_t* mutex);

// True when some thread (of any process) holds the mutex now. One whose owner died counts as free
// (it is recovered on the way).
bool robust_is_locked(pthread_mutex_t* mutex, std::string_view what);

}  // namespace appserver
