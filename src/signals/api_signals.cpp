// The core's side of include/appserver/api_signals.h: thin calls into this process's SignalHub.
#include "appserver/api_signals.h"

#include "signals/signal_hub.h"

namespace appserver::api {

bool register_signal(int num, std::string_view target, std::string& error) {
    SignalHub* hub = SignalHub::current();
    return hub == nullptr || hub->set_target(num, target, error);
}

bool raise_signal(int num, std::string& error) {
    SignalHub* hub = SignalHub::current();
    return hub == nullptr || hub->raise(num, error);
}

bool add_timer(int num, long interval_ms, int iterations, std::string& error) {
    SignalHub* hub = SignalHub::current();
    return hub == nullptr ||
           hub->add_timer(SignalTimer{.signal = num, .interval_ms = interval_ms, .iterations = iterations}, error);
}

bool add_cron(int num, int minute, int hour, int day, int month, int week, std::string& error) {
    SignalHub* hub = SignalHub::current();
    return hub == nullptr ||
           hub->add_cron(SignalCron{.signal = num,
                                    .when = {.minute = minute, .hour = hour, .day = day, .month = month, .week = week}},
                         error);
}

bool add_file_monitor(int num, std::string_view path, std::string& error) {
    SignalHub* hub = SignalHub::current();
    return hub == nullptr || hub->add_file_monitor(num, path, error);
}

SignalCounters signal_counters() {
    SignalHub* hub = SignalHub::current();
    if (hub == nullptr) return {};
    return {.routed = hub->routed(), .dropped = hub->dropped()};
}

}  // namespace appserver::api
