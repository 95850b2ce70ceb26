#pragma once
// The user locks of the instance (`locks = N`: numbers 0..N): robust process-shared mutexes in one
// shared mapping, made by the master before it forks (workers inherit it). The Python plugin
// reaches them through include/appserver/api_locks.h.

#include <pthread.h>

#include <memory>
#include <string>

#include "os/shared_memory.h"

namespace appserver {

class SharedLocks {
public:
    // `count` locks (at least 1: lock 0 always exists). The newest becomes current(). Null with
    // one line in `error` when the mapping or a mutex cannot be made.
    static std::unique_ptr<SharedLocks> create(int count, std::string& error);
    ~SharedLocks();
    SharedLocks(const SharedLocks&) = delete;
    SharedLocks& operator=(const SharedLocks&) = delete;

    // The locks of this process (inherited by fork); null when there are none.
    static SharedLocks* current();

    int count() const { return count_; }
    // Null when `n` is out of 0..count()-1.
    pthread_mutex_t* mutex(int n);

private:
    SharedLocks(SharedMemory memory, int count);
    SharedMemory memory_;
    int count_;
};

}  // namespace appserver
