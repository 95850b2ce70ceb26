#include "master/respawn_policy.h"

#include <algorithm>

namespace appserver {

std::chrono::milliseconds respawn_backoff(int failures) {
    constexpr auto kMaxBackoff = std::chrono::milliseconds(30'000);
    auto delay = std::chrono::milliseconds(250) * (1 << std::clamp(failures, 0, 8));
    return std::min<std::chrono::milliseconds>(delay, kMaxBackoff);
}

RespawnDecision decide_respawn(const WorkerExitFacts& exit, int boot_failures_before,
                               std::chrono::steady_clock::time_point now) {
    // How soon after its start a worker died says nothing: one that served a request that
    // segfaults dies as fast as one whose app cannot import. Whether it got as far as serving does.
    if (exit.boot_failed || !exit.reported_ready)
        return {now + respawn_backoff(boot_failures_before), boot_failures_before + 1, true};
    return {std::max(now, exit.started + kMinRespawnInterval), 0, false};
}

}  // namespace appserver
