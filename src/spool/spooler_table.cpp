#include "spool/spooler_table.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <new>

#include "log/log.h"

namespace appserver::spool {
namespace {

static_assert(std::atomic<pid_t>::is_always_lock_free);

// Set in the master before fork; children inherit the vector (copy-on-write) and the mapping.
std::vector<std::string> dirs;
std::atomic<pid_t>* pids = nullptr;
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
        ::munmap(static_cast<void*>(pids), dirs.size() * sizeof(std::atomic<pid_t>));
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
    std::size_t size = dirs.size() * sizeof(std::atomic<pid_t>);
    void* area = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED) {
        error = log::syscall_error("mmap", "spooler table", errno);
        dirs.clear();
        return false;
    }
    pids = static_cast<std::atomic<pid_t>*>(area);
    for (std::size_t i = 0; i < dirs.size(); ++i) new (&pids[i]) std::atomic<pid_t>(0);
    return true;
}

const std::vector<std::string>& spooler_table_dirs() { return dirs; }
bool spooler_quiet() { return quiet_tasks; }

void set_spooler_pid(std::size_t index, pid_t pid) {
    if (pids != nullptr && index < dirs.size()) pids[index].store(pid, std::memory_order_relaxed);
}

pid_t spooler_pid(std::size_t index) {
    return pids != nullptr && index < dirs.size() ? pids[index].load(std::memory_order_relaxed) : 0;
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
