// The master's side of a reload (Arbiter, continued from arbiter.cpp): the check of the new
// configuration and application in a separate process, the re-exec in place when it passes, the
// status file and systemd's answer, and the watched files that ask for one.

#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "master/arbiter.h"
#include "master/reexec.h"
#include "os/pidfile.h"

namespace appserver {
namespace {

// The last line the reload check wrote (for a Python traceback: the exception), at most 300 bytes.
std::string read_check_report(int fd) {
    std::string text;
    char buf[4096];
    for (ssize_t n; fd >= 0 && (n = ::read(fd, buf, sizeof buf)) > 0;)
        text.append(buf, static_cast<std::size_t>(n));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (auto nl = text.rfind('\n'); nl != std::string::npos) text.erase(0, nl + 1);
    return text.substr(0, 300);
}

}  // namespace

void Arbiter::report_reload_when_switched(bool now) {
    if (!reload_report_pending_) return;
    if (!now && !old_accepting_.empty() && Clock::now() < reload_report_due_) return;
    reload_report_pending_ = false;
    // systemd hears READY=1 before `--reload` (its ExecReload=) can return; not when a newer reload
    // is already under way (`now`: its own READY=1 follows).
    if (!now) notify().ready(Clock::now(), status_line());
    write_reload_status(true, "generation " + std::to_string(settings_.generation));
}

void Arbiter::write_reload_status(bool ok, const std::string& detail) {
    if (settings_.reload_status_file.empty() && settings_.answer_reload_to.empty()) return;
    auto stamp = std::chrono::system_clock::now().time_since_epoch().count();
    std::string text = std::to_string(stamp) + (ok ? " ok " : " failed ") + detail + "\n";
    std::string error;
    if (!settings_.reload_status_file.empty() && !write_file_atomic(settings_.reload_status_file, text, error))
        spdlog::error("{}", error);
    // The first status this image writes answers the reload that started it.
    std::string previous = std::exchange(settings_.answer_reload_to, {});
    if (!previous.empty() && previous != settings_.reload_status_file && !write_file_atomic(previous, text, error))
        spdlog::error("{}", error);
}

void Arbiter::note_failed_reload(const std::string& reason) {
    write_reload_status(false, reason);
    notify().reload_failed(Clock::now(), reason);
}

void Arbiter::request_reload(const std::string& why) {
    if (stopping_) return;
    if (!serving_ && runtime_) {
        // Start-up or a reload in progress: one more reload once this image serves.
        spdlog::info("reload requested ({}) before this master serves: it follows once it does", why);
        reload_when_serving_ = true;
        return;
    }
    if (reload_check_pid_ > 0 || reexec_pending_) {
        if (!reload_again_)
            spdlog::info("reload requested ({}) while the previous one is {}: it follows once that one ends", why,
                         reexec_pending_ ? "waiting for the attached daemons" : "checking the new code");
        reload_again_ = true;  // one more once the running one ends (if the re-exec fails)
        return;
    }
    spdlog::info("reload requested ({}): checking the new configuration and application", why);
    notify().reloading(why);
    std::string error;
    reload_check_pid_ = start_reload_check(listeners_, reload_check_report_, error);
    reload_check_deadline_ = Clock::now() + std::chrono::seconds(settings_.mercy_s);
    reload_check_timed_out_ = false;
    if (reload_check_pid_ < 0) {
        reload_check_pid_ = 0;
        spdlog::error("reload refused: cannot start the configuration check: {}", error);
        write_reload_status(false, "cannot start the configuration check: " + error);
        notify().reload_failed(Clock::now(), "cannot start the configuration check");
    }
}

void Arbiter::kill_overdue_reload_check() {
    if (reload_check_timed_out_ || Clock::now() < reload_check_deadline_) return;
    spdlog::error("reload: the check of the new configuration and application did not finish within {} s "
                  "(worker-reload-mercy): killing it (pid {})",
                  settings_.mercy_s, reload_check_pid_);
    ::kill(reload_check_pid_, SIGKILL);  // reaped by the loop, which then refuses the reload
    reload_check_timed_out_ = true;
}

void Arbiter::finish_reload_check(int status) {
    reload_check_pid_ = 0;
    std::string reason = read_check_report(reload_check_report_.get());
    if (reload_check_timed_out_)
        reason = "loading it did not finish within " + std::to_string(settings_.mercy_s) +
                 " s (worker-reload-mercy; an import that waits for something?)";
    reload_check_report_.reset();
    if (stopping_) return;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        spdlog::error(
            "reload refused: the new configuration or application does not load{}; "
            "the running workers keep serving the current code",
            reason.empty() ? " (see above)" : ": " + reason);
        write_reload_status(
            false, reason.empty() ? "the new configuration or application does not load (see the server log)"
                                  : "the new configuration or application does not load: " + reason);
        notify().reload_failed(Clock::now(), reason.empty() ? "the new configuration or application does not load"
                                                            : reason);
    } else {
        report_reload_when_switched(true);  // the previous reload's answer goes out before this one
        // uWSGI's order: the attached (dumb) daemons stop before the new image starts them again.
        // The loop goes on meanwhile (workers respawned, signals and stats answered); a stop cancels.
        if (daemons_.begin_reload_stop()) {
            reexec_pending_ = true;
            reexec_deadline_ = Clock::now() + std::chrono::seconds(std::min(settings_.mercy_s, 30));
            return;
        }
        reexec_now();
    }
    run_queued_reload("requested again during the check");
}

void Arbiter::run_queued_reload(const char* why) {
    if (!reload_again_) return;
    reload_again_ = false;
    request_reload(why);
}

void Arbiter::reexec_when_daemons_stopped() {
    if (daemons_.running() > 0 && Clock::now() < reexec_deadline_) return;
    daemons_.kill_remaining_for_reload();
    reexec_pending_ = false;
    reexec_now();  // returns only when the re-exec failed and this image goes on serving
    run_queued_reload("requested again during the reload");
}

void Arbiter::reexec_now() {
    std::vector<pid_t> workers = old_workers_;
    for (pid_t pid : retiring_.pids()) workers.push_back(-pid);  // no longer accepting
    for (const Slot& s : slots_)
        if (s.pid > 0) workers.push_back(s.pid);
    // Spoolers retire like workers that stopped accepting: SIGTERM once the new image serves.
    for (pid_t pid : spoolers_.pids()) workers.push_back(-pid);
    for (pid_t pid : mules_.hand_over_for_reload()) workers.push_back(-pid);  // reaped by the new image
    spdlog::info("reload: starting generation {} in place (pid {})", settings_.generation + 1, master_pid_);
    std::string error;
    reexec(listeners_, workers, settings_.generation + 1, ready_read_.get(), ready_write_.get(),
           settings_.reload_status_file, error);  // returns only on failure
    spdlog::error("reload failed: {}", error);
    write_reload_status(false, error);
    notify().reload_failed(Clock::now(), error);
    daemons_.resume_after_failed_reload();
}

void Arbiter::check_watched_files() {
    if (std::string path = touch_watch_.changed(); !path.empty()) request_reload(path + " touched");
    if (settings_.py_autoreload_s <= 0 || Clock::now() < next_code_check_) return;
    next_code_check_ = Clock::now() + std::chrono::seconds(settings_.py_autoreload_s);
    if (std::string path = code_watch_.changed(); !path.empty()) request_reload(path + " changed");
}

}  // namespace appserver
