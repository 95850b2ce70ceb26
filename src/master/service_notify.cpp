#include "master/service_notify.h"

#include <unistd.h>

#include <cstdlib>

#include "os/monotonic_clock.h"

namespace appserver {
namespace {

constexpr auto kStatusInterval = std::chrono::seconds(1);

}  // namespace

std::string worker_status_line(int workers, int busy) {
    return std::to_string(workers) + (workers == 1 ? " worker, " : " workers, ") + std::to_string(busy) +
           " busy";
}

ServiceNotify ServiceNotify::from_environment(bool daemonized) {
    sd::Notifier notifier = sd::Notifier::from_environment();
    if (!notifier.active()) return ServiceNotify();
    Settings settings;
    settings.watchdog_us =
        sd::watchdog_interval_us(std::getenv("WATCHDOG_USEC"), std::getenv("WATCHDOG_PID"), ::getpid());
    if (daemonized) settings.main_pid = ::getpid();
    ServiceNotify n(nullptr, settings);
    n.notifier_ = std::move(notifier);
    return n;
}

ServiceNotify::ServiceNotify(Sink sink, Settings settings) : sink_(std::move(sink)), settings_(settings) {}

bool ServiceNotify::send(const std::string& message) {
    return sink_ ? sink_(message) : notifier_.send(message);
}

void ServiceNotify::loading() { send("STATUS=loading the application"); }

void ServiceNotify::ready(Clock::time_point now, const std::string& status) {
    if (state_ == State::stopping) return;
    std::string message = "READY=1\nSTATUS=" + status;
    if (settings_.main_pid > 0) message += "\nMAINPID=" + std::to_string(settings_.main_pid);
    send(message);
    state_ = State::serving;
    last_status_ = status;
    last_status_at_ = now;
}

void ServiceNotify::reloading(std::string_view why) {
    if (state_ == State::stopping) return;
    state_ = State::reloading;
    send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_us()) + "\nSTATUS=reloading (" +
         std::string(why) + ")");
}

void ServiceNotify::reload_failed(Clock::time_point now, std::string_view reason) {
    ready(now, "reload failed, the previous generation serves: " + std::string(reason));
}

void ServiceNotify::stopping() {
    if (state_ == State::stopping) return;
    state_ = State::stopping;
    send("STOPPING=1\nSTATUS=stopping");
}

void ServiceNotify::tick(Clock::time_point now, const std::function<std::string()>& status) {
    if (!active()) return;
    if (settings_.watchdog_us > 0 && now >= next_ping_) {
        send("WATCHDOG=1");
        next_ping_ = now + std::chrono::microseconds(settings_.watchdog_us / 2);
    }
    if (state_ != State::serving || now - last_status_at_ < kStatusInterval) return;
    std::string text = status();
    if (text == last_status_) return;
    if (send("STATUS=" + text)) {
        last_status_ = std::move(text);
        last_status_at_ = now;
    }
}

ServiceNotify::Clock::duration ServiceNotify::until_due(Clock::time_point now) const {
    if (!active() || settings_.watchdog_us == 0) return Clock::duration::max();
    return next_ping_ > now ? next_ping_ - now : Clock::duration::zero();
}

void ServiceNotify::close_in_child() {
    notifier_.close_in_child();
    sink_ = nullptr;
}

}  // namespace appserver
