#include "spool/spooler_table.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <new>

#include "log/log.h"

namespace appserver::spool {
namespace {

static_assert(std::atomic<pid_t>::is_always_lock_free);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

// One per spooler process, in the shared mapping. pid and respawns: written by the master; tasks and
// running: by the spooler of the slot (uWSGI's struct uwsgi_spooler, for the stats server).
struct Slot {
    std::atomic<pid_t> pid{0};
    std::atomic<std::uint64_t> tasks{0};
    std::atomic<std::uint64_t> respawns{0};
    std::atomic<int> running{0};
};

// Set in the master before fork; children inherit the vector (copy-on-write) and the mapping.
std::vector<std::string> dirs;
Slot* pids = nullptr;

Slot* slot(std::size_t index) { return pids != nullptr && index < dirs.size() ? &pids[index] : nullptr; }
int current = -1;
bool quiet_tasks = false;

bool resolve(const std::string& dir, std::string& real, std::string& error) {
    if (::access(dir.c_str(), R_OK | W_OK | X_OK) != 0 && ::mkdir(dir.c_str(), S_IRWXU | S_IXGRP | S_IRGRP) != 0) {
        error = "spooler directory: " + log::syscall_error("mkdir", dir, errno);
        return false;
    }
    char* path = ::realpath(dir.c_str(), nullptr);
    if (path == nullptr) {
        error = "spooler directory: " + log::syscall_error("realpath", dir, errno);
        return false;
    }
    real = path;
    ::free(path);
    return true;
}

}  // namespace

bool open_spooler_table(const std::vector<std::string>& configured, int processes, bool quiet, std::string& error) {
    if (pids != nullptr) {
        ::munmap(static_cast<void*>(pids), dirs.size() * sizeof(Slot));
        pids = nullptr;
    }
    dirs.clear();
    quiet_tasks = quiet;
    for (const std::string& dir : configured) {
        std::string real;
        if (!resolve(dir, real, error)) return false;
        for (int i = 0; i < std::max(processes, 1); ++i) dirs.push_back(real);
    }
    if (dirs.empty()) return true;
    std::size_t size = dirs.size() * sizeof(Slot);
    void* area = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) {
        error = log::syscall_error("mmap", "spooler table", errno);
        dirs.clear();
        return false;
    }
    pids = static_cast<Slot*>(area);
    for (std::size_t i = 0; i < dirs.size(); ++i) new (&pids[i]) Slot();
    return true;
}

const std::vector<std::string>& spooler_table_dirs() { return dirs; }
bool spooler_quiet() { return quiet_tasks; }

void set_spooler_pid(std::size_t index, pid_t pid) {
    if (Slot* s = slot(index)) s->pid.store(pid, std::memory_order_relaxed);
}

pid_t spooler_pid(std::size_t index) {
    const Slot* s = slot(index);
    return s ? s->pid.load(std::memory_order_relaxed) : 0;
}

void note_spooler_respawn(std::size_t index) {
    if (Slot* s = slot(index)) s->respawns.store(s->respawns.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

void note_spooler_start() {
    if (current < 0) return;
    if (Slot* s = slot(static_cast<std::size_t>(current))) {
        s->tasks.store(0, std::memory_order_relaxed);  // as uWSGI: a new spooler counts from 0
        s->running.store(0, std::memory_order_relaxed);
    }
}

void note_spooler_running(bool running) {
    if (current < 0) return;
    if (Slot* s = slot(static_cast<std::size_t>(current))) s->running.store(running ? 1 : 0, std::memory_order_relaxed);
}

void note_spooler_task() {
    if (current < 0) return;
    if (Slot* s = slot(static_cast<std::size_t>(current)))
        s->tasks.store(s->tasks.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

std::vector<SpoolerStatus> spooler_statuses() {
    std::vector<SpoolerStatus> out;
    for (std::size_t i = 0; i < dirs.size(); ++i) {
        const Slot* s = slot(i);
        if (s == nullptr) break;
        out.push_back({.dir = dirs[i],
                       .pid = s->pid.load(std::memory_order_relaxed),
                       .tasks = s->tasks.load(std::memory_order_relaxed),
                       .respawns = s->respawns.load(std::memory_order_relaxed),
                       .running = s->running.load(std::memory_order_relaxed) != 0});
    }
    return out;
}

void set_current_spooler(int index) { current = index; }
int current_spooler() { return current; }

void wake_spoolers(const std::string& dir) {
    for (std::size_t i = 0; i < dirs.size(); ++i) {
        pid_t pid = spooler_pid(i);
        // Harmless if the pid is stale: the slot is cleared when the master reaps the spooler.
        if (dirs[i] == dir && pid > 0) ::kill(pid, SIGUSR1);
    }
}

}  // namespace appserver::spool
