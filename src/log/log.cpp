#include "log/log.h"

#include <fcntl.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <mutex>

namespace appserver::log {
namespace {

constexpr char kStampPattern[] = "[%Y-%m-%d %H:%M:%S.%e] [%P] [%l] %v";
constexpr char kDatePattern[] = "%* - [%P] [%l] %v";  // log-date: uWSGI's "DATE - message"
constexpr char kJournalPattern[] = "[%P] [%l] %v";    // journald stamps lines itself
constexpr char kSyslogPattern[] = "[%l] %v";          // the syslog header has time and pid

std::string g_date_format;  // log-date's strftime format; "" when log-date is off

Priority priority_of(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::critical: return Priority::crit;
        case spdlog::level::err: return Priority::err;
        case spdlog::level::warn: return Priority::warning;
        case spdlog::level::debug:
        case spdlog::level::trace: return Priority::debug;
        default: return Priority::info;
    }
}

// %* in a pattern: the time as log-date's strftime format says.
class DateFlag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
        // spdlog fills the tm it passes only for its own time flags: take the message's time.
        std::time_t now = std::chrono::system_clock::to_time_t(msg.time);
        std::tm tm{};
        ::localtime_r(&now, &tm);
        char buf[128];
        std::size_t n = std::strftime(buf, sizeof buf, g_date_format.c_str(), &tm);
        dest.append(buf, buf + n);
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<DateFlag>(); }
};

// Formats with its own pattern and hands the line to a target (one write per line).
class TargetSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit TargetSink(std::shared_ptr<Target> target) : target_(std::move(target)) {}

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t line;
        formatter_->format(msg, line);
        target_->write(priority_of(msg.level), std::string_view(line.data(), line.size()));
    }
    void flush_() override {}

private:
    std::shared_ptr<Target> target_;
};

std::unique_ptr<spdlog::formatter> formatter_for(const Target& target, bool bare) {
    std::string pattern = kStampPattern;
    if (target.is_syslog())
        pattern = bare ? "%v" : kSyslogPattern;
    else if (bare)
        pattern = "%v";
    else if (target.is_journal())
        pattern = kJournalPattern;
    else if (!g_date_format.empty())
        pattern = kDatePattern;
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<DateFlag>('*');
    formatter->set_pattern(pattern);
    return formatter;
}

std::string g_output_path;
std::vector<std::shared_ptr<Target>> g_targets;

}  // namespace

const std::vector<std::shared_ptr<Target>>& log_targets() { return g_targets; }

void init() {
    // Plain text (no colours): logs end up in files under daemonize/logto.
    std::string ignored;
    g_targets = {open_target(TargetSpec{}, ignored)};
    auto logger = make_logger("appserver", g_targets, false);
    spdlog::register_logger(logger);
    logger->flush_on(spdlog::level::info);
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::info);
}

std::shared_ptr<spdlog::logger> make_logger(const std::string& name,
                                            const std::vector<std::shared_ptr<Target>>& targets, bool bare) {
    std::vector<spdlog::sink_ptr> sinks;
    for (const auto& target : targets) {
        auto sink = std::make_shared<TargetSink>(target);
        sink->set_formatter(formatter_for(*target, bare));
        sinks.push_back(std::move(sink));
    }
    auto logger = std::make_shared<spdlog::logger>(name, sinks.begin(), sinks.end());
    logger->flush_on(spdlog::level::info);
    return logger;
}

bool open_targets(const std::vector<std::string>& specs, std::vector<std::shared_ptr<Target>>& targets,
                  std::string& error) {
    for (const std::string& text : specs) {
        TargetSpec spec;
        if (!parse_target(text, spec, error)) return false;
        if (spec.kind == TargetSpec::Kind::routed) continue;  // see configure()
        auto target = open_target(spec, error);
        if (!target) return false;
        targets.push_back(std::move(target));
    }
    return true;
}

bool configure(const LogSettings& settings, std::string& error) {
    g_date_format.clear();
    if (!settings.date.empty()) {
        std::string_view d = settings.date;
        bool bare = d == "true" || d == "1" || d == "on" || d == "yes" || d == "TRUE" || d == "True";
        g_date_format = bare ? "%a %b %e %H:%M:%S %Y" : settings.date;  // ctime(3)'s shape, as uWSGI
    }
    std::vector<std::shared_ptr<Target>> targets;
    std::vector<std::string> routed;  // uWSGI's named loggers: fed only by log-route, which we lack
    for (const std::string& text : settings.loggers) {
        TargetSpec spec;
        if (parse_target(text, spec, error) && spec.kind == TargetSpec::Kind::routed) routed.push_back(text);
    }
    bool only_routed = routed.size() == settings.loggers.size();
    if (!open_targets(only_routed ? std::vector<std::string>{"stdio"} : settings.loggers, targets, error))
        return false;
    g_targets = targets;
    auto logger = make_logger("appserver", targets, false);
    logger->set_level(spdlog::get("appserver") ? spdlog::get("appserver")->level() : spdlog::level::info);
    spdlog::drop("appserver");
    spdlog::register_logger(logger);
    spdlog::set_default_logger(logger);
    for (const std::string& text : routed)
        spdlog::warn("logger {}: a named logger receives only the lines log-route sends it, and log-route is "
                     "not supported here: nothing is written to it",
                     text);
    return true;
}

bool redirect_output(const std::string& path, std::string& error) {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        error = "log file: " + syscall_error("open", path, errno);
        return false;
    }
    ::dup2(fd, STDOUT_FILENO);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
    note_stderr_replaced();
    g_output_path = path;
    return true;
}

void reopen_output() {
    if (!g_output_path.empty()) {
        std::string error;
        if (!redirect_output(g_output_path, error)) spdlog::error("{}", error);
    }
    for (const auto& target : file_targets()) target->reopen();
}

bool rotate_over(std::uint64_t max_bytes) {
    if (max_bytes == 0) return false;
    auto rotate = [&](const std::string& path) {
        struct stat st {};
        if (path.empty() || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
        if (static_cast<std::uint64_t>(st.st_size) <= max_bytes) return false;
        std::string rotated = path + "." + std::to_string(std::time(nullptr));
        for (int i = 1; ::access(rotated.c_str(), F_OK) == 0 && i < 100; ++i)
            rotated = path + "." + std::to_string(std::time(nullptr)) + "." + std::to_string(i);
        if (::rename(path.c_str(), rotated.c_str()) != 0) {
            spdlog::error("log-maxsize: {}", syscall_error("rename", path, errno));
            return false;
        }
        return true;
    };
    bool rotated = false;
    std::vector<std::string> rotated_paths;
    if (rotate(g_output_path)) rotated_paths.push_back(g_output_path);
    for (const auto& target : file_targets())
        if (rotate(target->path())) rotated_paths.push_back(target->path());
    if (!rotated_paths.empty()) {
        rotated = true;
        reopen_output();
        for (const auto& path : rotated_paths)
            spdlog::info("log-maxsize: {} passed {} bytes: rotated, reopened", path, max_bytes);
    }
    return rotated;
}

std::string syscall_error(std::string_view call, std::string_view subject, int err) {
    std::string line(call);
    line += "(";
    if (!subject.empty()) {
        line += "\"";
        line += subject;
        line += "\"";
    }
    line += ") failed (";
    line += std::to_string(err);
    line += ": ";
    line += std::strerror(err);
    line += ")";
    return line;
}

}  // namespace appserver::log
