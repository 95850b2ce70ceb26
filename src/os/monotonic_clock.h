#pragma once
// The one clock for durations and deadlines shared between processes (scoreboard times, cache
// expiry, request timings, rate limits): CLOCK_MONOTONIC (std::chrono::steady_clock on Linux), the
// same in every process of the instance and immune to wall-clock steps.

#include <chrono>
#include <cstdint>

namespace appserver {

inline std::int64_t monotonic_us() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

inline std::int64_t monotonic_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace appserver
