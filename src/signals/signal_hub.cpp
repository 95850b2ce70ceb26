#include "signals/signal_hub.h"

#include <sched.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <new>

#include "log/log.h"
#include "os/monotonic_clock.h"

namespace appserver {

static_assert(std::atomic<pid_t>::is_always_lock_free);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

// Shared between processes: atomics and plain data, no pointers. Table entries are written under
// `lock`; the sources (timers, crons, monitors) are append-only: an entry is complete before its
// count is published (release), so a reader that loads the count (acquire) needs no lock.
struct SignalHub::Area {
    std::atomic<pid_t> lock{0};  // the pid holding it; 0: free
    struct Slot {
        std::atomic<bool> registered{false};
        std::atomic<std::uint32_t> seq{0};  // odd while the target is written (a seqlock)
        std::array<std::atomic<char>, kMaxTargetLength + 1> target{};
    };
    std::array<Slot, kSignalNumbers> slots;
    std::atomic<int> timer_count{0};
    std::array<SignalTimer, kMaxSignalSources> timers;
    std::atomic<int> cron_count{0};
    std::array<SignalCron, kMaxSignalSources> crons;
    std::atomic<int> monitor_count{0};
    std::array<SignalFileMonitor, kMaxSignalSources> monitors;
    std::atomic<std::uint64_t> routed{0};
    std::atomic<std::uint64_t> dropped{0};
};

namespace {

SignalHub* g_current = nullptr;

// The table lock: held for a few stores. A holder that died (a worker killed right there) is
// detected by its pid and the lock taken over, so nobody waits for a dead process.
class AreaLock {
public:
    explicit AreaLock(std::atomic<pid_t>& lock) : lock_(lock) {
        const pid_t me = ::getpid();
        for (int spin = 0;; ++spin) {
            pid_t expected = 0;
            if (lock_.compare_exchange_weak(expected, me, std::memory_order_acquire)) return;
            if (spin > 1000 && expected != 0 && ::kill(expected, 0) != 0 && errno == ESRCH &&
                lock_.compare_exchange_strong(expected, me, std::memory_order_acquire))
                return;
            ::sched_yield();
        }
    }
    ~AreaLock() { lock_.store(0, std::memory_order_release); }
    AreaLock(const AreaLock&) = delete;
    AreaLock& operator=(const AreaLock&) = delete;

private:
    std::atomic<pid_t>& lock_;
};

bool valid_signal(int num, std::string& error) {
    if (num >= 0 && num < kSignalNumbers) return true;
    error = "signal number " + std::to_string(num) + " out of range (0..255)";
    return false;
}

bool make_pair(UniqueFd& a, UniqueFd& b, std::string& error) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
        error = log::syscall_error("socketpair", "signal channel", errno);
        return false;
    }
    a.reset(fds[0]);
    b.reset(fds[1]);
    return true;
}

}  // namespace

std::unique_ptr<SignalHub> SignalHub::create(std::string& error) {
    std::unique_ptr<SignalHub> hub(new SignalHub());
    void* mem = ::mmap(nullptr, sizeof(Area), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) {
        error = log::syscall_error("mmap", "signal table", errno);
        return nullptr;
    }
    hub->area_ = new (mem) Area();
    if (!make_pair(hub->pool_master_, hub->pool_worker_, error)) return nullptr;
    hub->raise_fd_ = hub->pool_worker_.get();
    g_current = hub.get();
    return hub;
}

SignalHub::~SignalHub() {
    if (g_current == this) g_current = nullptr;
    if (area_ != nullptr) {
        area_->~Area();
        ::munmap(area_, sizeof(Area));
    }
}

SignalHub* SignalHub::current() { return g_current; }

bool SignalHub::set_target(int num, std::string_view target, std::string& error) {
    if (!valid_signal(num, error)) return false;
    if (target.size() > kMaxTargetLength) {
        error = "signal target \"" + std::string(target) + "\" longer than 63 bytes";
        return false;
    }
    AreaLock lock(area_->lock);
    Area::Slot& slot = area_->slots[static_cast<std::size_t>(num)];
    slot.seq.fetch_add(1, std::memory_order_acq_rel);
    for (std::size_t i = 0; i <= kMaxTargetLength; ++i)
        slot.target[i].store(i < target.size() ? target[i] : '\0', std::memory_order_relaxed);
    slot.seq.fetch_add(1, std::memory_order_release);
    slot.registered.store(true, std::memory_order_release);
    return true;
}

bool SignalHub::registered(int num) const {
    return num >= 0 && num < kSignalNumbers &&
           area_->slots[static_cast<std::size_t>(num)].registered.load(std::memory_order_acquire);
}

std::string SignalHub::target(int num) const {
    std::string out;
    if (num < 0 || num >= kSignalNumbers) return out;
    const Area::Slot& slot = area_->slots[static_cast<std::size_t>(num)];
    // A writer holds the seq odd for a few stores; after 100 tries the copy is used as it is.
    for (int attempt = 0; attempt < 100; ++attempt) {
        std::uint32_t before = slot.seq.load(std::memory_order_acquire);
        out.clear();
        for (const auto& c : slot.target) {
            char ch = c.load(std::memory_order_relaxed);
            if (ch == '\0') break;
            out.push_back(ch);
        }
        std::atomic_thread_fence(std::memory_order_acquire);
        if (before % 2 == 0 && slot.seq.load(std::memory_order_relaxed) == before) break;
    }
    return out;
}

namespace {

template <typename Entry>
bool append(std::atomic<pid_t>& lock_word, std::atomic<int>& count, std::array<Entry, kMaxSignalSources>& table,
            const Entry& entry, const char* what, std::string& error) {
    AreaLock lock(lock_word);
    int n = count.load(std::memory_order_relaxed);
    if (n >= kMaxSignalSources) {
        error = std::string("you can register max 64 ") + what;
        return false;
    }
    table[static_cast<std::size_t>(n)] = entry;
    count.store(n + 1, std::memory_order_release);
    return true;
}

}  // namespace

bool SignalHub::add_timer(const SignalTimer& timer, std::string& error) {
    if (!valid_signal(timer.signal, error)) return false;
    if (timer.interval_ms <= 0) {
        error = "a timer's interval must be positive";
        return false;
    }
    return append(area_->lock, area_->timer_count, area_->timers, timer, "timers", error);
}

bool SignalHub::add_cron(const SignalCron& entry, std::string& error) {
    if (!valid_signal(entry.signal, error)) return false;
    return append(area_->lock, area_->cron_count, area_->crons, entry, "crons", error);
}

bool SignalHub::add_file_monitor(int num, std::string_view path, std::string& error) {
    if (!valid_signal(num, error)) return false;
    SignalFileMonitor entry;
    if (path.empty() || path.size() >= sizeof entry.path) {
        error = "add_file_monitor: invalid filename length";
        return false;
    }
    entry.signal = num;
    std::memcpy(entry.path, path.data(), path.size());
    return append(area_->lock, area_->monitor_count, area_->monitors, entry, "file monitors", error);
}

int SignalHub::timer_count() const { return area_->timer_count.load(std::memory_order_acquire); }
SignalTimer SignalHub::timer(int i) const { return area_->timers[static_cast<std::size_t>(i)]; }
int SignalHub::cron_count() const { return area_->cron_count.load(std::memory_order_acquire); }
SignalCron SignalHub::cron(int i) const { return area_->crons[static_cast<std::size_t>(i)]; }
int SignalHub::file_monitor_count() const { return area_->monitor_count.load(std::memory_order_acquire); }
std::string SignalHub::file_monitor_path(int i) const { return area_->monitors[static_cast<std::size_t>(i)].path; }
int SignalHub::file_monitor_signal(int i) const { return area_->monitors[static_cast<std::size_t>(i)].signal; }

namespace {

void size_buffers(int fd, int bytes) {
    if (bytes <= 0) return;
    for (int option : {SO_SNDBUF, SO_RCVBUF})
        if (::setsockopt(fd, SOL_SOCKET, option, &bytes, sizeof bytes) != 0)
            spdlog::error("signal-bufsize: {}", log::syscall_error("setsockopt", "signal channel", errno));
}

}  // namespace

void SignalHub::set_buffer_size(int bytes) {
    buffer_size_ = bytes;
    size_buffers(pool_master_.get(), bytes);
    size_buffers(pool_worker_.get(), bytes);
}

bool SignalHub::ensure_worker_channel(int id, std::string& error) {
    if (id < 1) return false;
    while (static_cast<int>(channels_.size()) < id) {
        Channel channel;
        if (!make_pair(channel.master_end, channel.worker_end, error)) return false;
        size_buffers(channel.master_end.get(), buffer_size_);
        size_buffers(channel.worker_end.get(), buffer_size_);
        channels_.push_back(std::move(channel));
    }
    return true;
}

int SignalHub::worker_master_end(int id) const {
    if (id < 1 || id > static_cast<int>(channels_.size())) return -1;
    return channels_[static_cast<std::size_t>(id - 1)].master_end.get();
}

int SignalHub::worker_end(int id) const {
    if (id < 1 || id > static_cast<int>(channels_.size())) return -1;
    return channels_[static_cast<std::size_t>(id - 1)].worker_end.get();
}

void SignalHub::enter_worker(int id) {
    pool_master_.reset();
    for (std::size_t i = 0; i < channels_.size(); ++i) {
        channels_[i].master_end.reset();
        if (static_cast<int>(i) + 1 != id) channels_[i].worker_end.reset();
    }
    raise_fd_ = worker_end(id) >= 0 ? worker_end(id) : pool_worker_.get();
}

void SignalHub::enter_child() {
    pool_master_.reset();
    channels_.clear();
    raise_fd_ = pool_worker_.get();
}

bool SignalHub::raise(int num, std::string& error) {
    if (!valid_signal(num, error)) return false;
    if (!send(raise_fd_, num, "the master")) {
        error = "signal " + std::to_string(num) + " dropped: the queue to the master is full";
        return false;
    }
    return true;
}

bool SignalHub::send(int fd, int num, std::string_view to_whom) {
    auto byte = static_cast<unsigned char>(num);
    ssize_t n = fd >= 0 ? ::send(fd, &byte, 1, MSG_DONTWAIT | MSG_NOSIGNAL) : -1;
    if (n == 1) return true;
    int err = fd >= 0 ? errno : EBADF;
    area_->dropped.fetch_add(1, std::memory_order_relaxed);
    // At most one warning a second per process, with the count dropped meanwhile: a storm of
    // signals must not become a storm of log lines. Request threads raise too: atomics only.
    static std::atomic<std::int64_t> last_warning_ms{-1000000};
    static std::atomic<unsigned long long> unreported{0};
    unreported.fetch_add(1, std::memory_order_relaxed);
    std::int64_t now_ms = monotonic_ms();
    std::int64_t last = last_warning_ms.load(std::memory_order_relaxed);
    if (now_ms - last < 1000 || !last_warning_ms.compare_exchange_strong(last, now_ms)) return false;
    unsigned long long count = unreported.exchange(0, std::memory_order_relaxed);
    if (err == EAGAIN || err == EWOULDBLOCK)
        spdlog::warn("signal queue to {} is full: signal {} dropped ({} dropped since the last warning; {} in all; "
                     "signal-bufsize raises the queue's size)",
                     to_whom, num, count, dropped());
    else
        spdlog::warn("signal {} to {} dropped: {} ({} dropped in all)", num, to_whom,
                     log::syscall_error("send", "signal channel", err), dropped());
    return false;
}

void SignalHub::count_routed() { area_->routed.fetch_add(1, std::memory_order_relaxed); }
unsigned long long SignalHub::routed() const { return area_->routed.load(std::memory_order_relaxed); }
unsigned long long SignalHub::dropped() const { return area_->dropped.load(std::memory_order_relaxed); }

}  // namespace appserver
