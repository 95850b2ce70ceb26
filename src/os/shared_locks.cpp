#include "os/shared_locks.h"

#include <algorithm>
#include <new>

#include "appserver/api_locks.h"
#include "os/robust_mutex.h"

namespace appserver {
namespace {

SharedLocks* g_current = nullptr;

// One cache line per lock: two locks taken by different workers do not bounce one line.
struct alignas(64) LockSlot {
    pthread_mutex_t mutex;
};

std::string lock_name(int n) { return "lock " + std::to_string(n); }

}  // namespace

std::unique_ptr<SharedLocks> SharedLocks::create(int count, std::string& error) {
    count = std::max(count, 1);
    SharedMemory memory;
    if (!memory.map(sizeof(LockSlot) * static_cast<std::size_t>(count), "user locks", error)) return nullptr;
    auto* slots = static_cast<LockSlot*>(memory.data());
    for (int i = 0; i < count; ++i) {
        LockSlot* slot = new (&slots[i]) LockSlot;
        if (!init_robust_mutex(&slot->mutex, lock_name(i), error)) return nullptr;
    }
    std::unique_ptr<SharedLocks> locks(new SharedLocks(std::move(memory), count));
    g_current = locks.get();
    return locks;
}

SharedLocks::SharedLocks(SharedMemory memory, int count) : memory_(std::move(memory)), count_(count) {}

SharedLocks::~SharedLocks() {
    if (g_current == this) g_current = nullptr;
}

SharedLocks* SharedLocks::current() { return g_current; }

pthread_mutex_t* SharedLocks::mutex(int n) {
    if (n < 0 || n >= count_) return nullptr;
    return &static_cast<LockSlot*>(memory_.data())[n].mutex;
}

namespace api {
namespace {

pthread_mutex_t* find(int n) {
    SharedLocks* locks = SharedLocks::current();
    return locks ? locks->mutex(n) : nullptr;
}

}  // namespace

int lock_count() {
    SharedLocks* locks = SharedLocks::current();
    return locks ? locks->count() : 0;
}

// A lock whose holder died is simply taken: what it protects is the application's business (the
// warning in the log says it happened), as uWSGI's robust locks do.
bool lock(int n) {
    pthread_mutex_t* mutex = find(n);
    return mutex && lock_robust(mutex, lock_name(n)) != LockOutcome::failed;
}

bool unlock(int n) {
    pthread_mutex_t* mutex = find(n);
    return mutex && unlock_robust(mutex);
}

bool is_locked(int n) {
    pthread_mutex_t* mutex = find(n);
    return mutex && robust_is_locked(mutex, lock_name(n));
}

}  // namespace api
}  // namespace appserver
