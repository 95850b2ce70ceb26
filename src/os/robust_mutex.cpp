#include "os/robust_mutex.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "log/log.h"

namespace appserver {
namespace {

// The previous owner died holding it: mark it usable again and say so (what it guarded may be
// inconsistent; the caller decides what that means for its data).
LockOutcome recover(pthread_mutex_t* mutex, std::string_view what) {
    spdlog::warn("{}: its holder died holding it; recovered by pid {}", what, ::getpid());
    if (int rc = ::pthread_mutex_consistent(mutex); rc != 0) {
        spdlog::error("{}", log::syscall_error("pthread_mutex_consistent", what, rc));
        ::pthread_mutex_unlock(mutex);
        return LockOutcome::failed;
    }
    return LockOutcome::owner_died;
}

}  // namespace

bool init_robust_mutex(pthread_mutex_t* mutex, std::string_view what, std::string& error) {
    pthread_mutexattr_t attr;
    if (int rc = ::pthread_mutexattr_init(&attr); rc != 0) {
        error = log::syscall_error("pthread_mutexattr_init", what, rc);
        return false;
    }
    int rc = ::pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    const char* call = "pthread_mutexattr_setpshared";
    if (rc == 0) {
        rc = ::pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
        call = "pthread_mutexattr_setrobust";
    }
    if (rc == 0) {
        rc = ::pthread_mutex_init(mutex, &attr);
        call = "pthread_mutex_init";
    }
    ::pthread_mutexattr_destroy(&attr);
    if (rc != 0) {
        error = log::syscall_error(call, what, rc);
        return false;
    }
    return true;
}

LockOutcome lock_robust(pthread_mutex_t* mutex, std::string_view what) {
    int rc = ::pthread_mutex_lock(mutex);
    if (rc == 0) return LockOutcome::locked;
    if (rc == EOWNERDEAD) return recover(mutex, what);
    spdlog::error("{}", log::syscall_error("pthread_mutex_lock", what, rc));
    return LockOutcome::failed;
}

bool unlock_robust(pthread_mutex_t* mutex) { return ::pthread_mutex_unlock(mutex) == 0; }

bool robust_is_locked(pthread_mutex_t* mutex, std::string_view what) {
    int rc = ::pthread_mutex_trylock(mutex);
    if (rc == EBUSY) return true;
    if (rc == EOWNERDEAD && recover(mutex, what) == LockOutcome::failed) return false;
    if (rc == 0 || rc == EOWNERDEAD) {
        ::pthread_mutex_unlock(mutex);
        return false;
    }
    // EDEADLK cannot happen for this type; ENOTRECOVERABLE: nobody can take it, so it is held.
    spdlog::error("{}", log::syscall_error("pthread_mutex_trylock", what, rc));
    return true;
}

}  // namespace appserver
