#include "worker/accept_pause.h"

#include <algorithm>

namespace appserver {

bool AcceptPause::refuse(Clock::time_point now, std::size_t open) {
    active_ = true;
    until_ = now + kPause;
    open_at_refusal_ = open;
    if (reported_ever_ && now - last_report_ < kReportEvery) {
        ++refused_since_report_;
        return false;
    }
    reported_ever_ = true;
    last_report_ = now;
    unreported_ = refused_since_report_;
    refused_since_report_ = 0;
    return true;
}

bool AcceptPause::should_resume(Clock::time_point now, std::size_t open) const {
    return active_ && (now >= until_ || open < open_at_refusal_);
}

int AcceptPause::wait_ms(Clock::time_point now, int longest_ms) const {
    if (!active_) return longest_ms;
    if (now >= until_) return 0;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(until_ - now).count();
    return static_cast<int>(std::min<long long>(left, longest_ms));
}

}  // namespace appserver
