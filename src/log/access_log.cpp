#include "log/access_log.h"

#include <fcntl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "log/log.h"

namespace appserver::log {
namespace {

// RSS and VSZ from /proc/self/statm (pages), read only for lines that show them.
void read_memory(std::uint64_t& rss, std::uint64_t& vsz) {
    int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    char buf[128];
    ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n <= 0) return;
    buf[n] = '\0';
    unsigned long long pages_vsz = 0, pages_rss = 0;
    if (std::sscanf(buf, "%llu %llu", &pages_vsz, &pages_rss) != 2) return;
    static const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
    vsz = pages_vsz * page;
    rss = pages_rss * page;
}

// Set on the thread that batches (a worker's event loop).
thread_local bool t_batching = false;
// Past this, a pass's lines go out before the pass ends.
constexpr std::size_t kBatchBytes = 16 * 1024;

}  // namespace

bool AccessLog::configure(const AccessLogSettings& settings, std::string& error) {
    settings_ = settings;
    filtered_ = settings.log_4xx || settings.log_5xx || settings.log_zero || settings.log_sendfile ||
                settings.slow_ms > 0 || settings.big_bytes > 0;
    format_ = AccessFormat::compile(settings.format, settings.memory_report);
    for (const std::string& name : format_.unknown())
        spdlog::warn("log-format: unknown variable %({}) is logged as -", name);
    default_line_ = settings.format.empty();
    targets_.clear();
    if (!settings.req_loggers.empty()) {
        if (!open_targets(settings.req_loggers, targets_, error)) return false;
        if (default_line_) logger_ = make_logger("access", targets_, false);
    } else if (!default_line_) {
        // A log-format line in the server's own log: the whole line is the format's, without the
        // server's prefix (a parser such as goaccess reads it as it is).
        targets_ = log_targets();
    }
    if (settings.req_loggers.empty() || !default_line_) logger_.reset();
    batchable_ = !default_line_ && std::none_of(targets_.begin(), targets_.end(),
                                                [](const auto& t) { return t->is_syslog() || t->is_journal(); });
    pid_ = static_cast<int>(::getpid());
    return true;
}

void AccessLog::batch_on_this_thread() {
    t_batching = true;
    // A child the application forks inherits the waiting lines, which are the parent's to write:
    // it starts with none (and the lock is held across fork so the child's copy is not mid-append).
    static std::once_flag registered;
    std::call_once(registered, [] {
        ::pthread_atfork([] { access_log().batch_mutex_.lock(); }, [] { access_log().batch_mutex_.unlock(); },
                         [] {
                             access_log().batch_.clear();
                             access_log().batch_mutex_.unlock();
                         });
    });
}

void AccessLog::flush() {
    std::lock_guard lock(batch_mutex_);
    flush_locked();
}

void AccessLog::flush_locked() {
    if (batch_.empty()) return;
    for (const auto& target : targets_) target->write(Priority::info, batch_);
    batch_.clear();
    if (batch_.capacity() > 4 * kBatchBytes) batch_.shrink_to_fit();
}

void AccessLog::set_worker(int wid) {
    wid_ = wid;
    pid_ = static_cast<int>(::getpid());
}

bool AccessLog::wanted(const AccessRecord& r) const {
    if (settings_.enabled) return true;
    if (settings_.log_zero && r.body_bytes == 0) return true;
    if (settings_.slow_ms > 0 && (r.end_us - r.start_us) / 1000 >= settings_.slow_ms) return true;
    if (settings_.log_4xx && r.status >= 400 && r.status <= 499) return true;
    if (settings_.log_5xx && r.status >= 500 && r.status <= 599) return true;
    if (settings_.big_bytes > 0 && r.body_bytes >= settings_.big_bytes) return true;
    if (settings_.log_sendfile && r.via != Via::app) return true;
    return false;
}

void AccessLog::write(AccessRecord& record) {
    if (!wanted(record)) return;
    record.pid = pid_;
    record.wid = wid_;
    if (format_.needs_memory()) read_memory(record.rss, record.vsz);
    thread_local std::string line;
    line.clear();
    format_.render(record, line);
    if (default_line_) {
        // One of the server's own lines, prefixed as they are (a req-logger gets the same prefix).
        spdlog::logger* logger = logger_ ? logger_.get() : spdlog::default_logger_raw();
        logger->log(spdlog::level::info, spdlog::string_view_t(line.data(), line.size()));
        return;
    }
    // The format is the whole line: straight to the targets, one write each.
    line += '\n';
    if (t_batching && batchable_) {
        std::lock_guard lock(batch_mutex_);
        batch_ += line;
        if (batch_.size() >= kBatchBytes) flush_locked();
        return;
    }
    for (const auto& target : targets_) target->write(Priority::info, line);
}

AccessLog& access_log() {
    static AccessLog log;
    return log;
}

void fill_from_vars(AccessRecord& record, const CgiVarList& vars) {
    auto var = [&](std::string_view name) { return find_var(vars, name).value_or(std::string_view()); };
    record.vars = &vars;
    record.addr = var("REMOTE_ADDR");
    if (access_log().uses_x_forwarded_for()) {
        std::string_view xff = var("HTTP_X_FORWARDED_FOR");
        if (!xff.empty()) record.addr = xff;
    }
    record.user = var("REMOTE_USER");
    record.proto = var("SERVER_PROTOCOL");
    record.host = var("HTTP_HOST");
    record.referer = var("HTTP_REFERER");
    record.uagent = var("HTTP_USER_AGENT");
}

std::int64_t wall_clock_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace appserver::log
