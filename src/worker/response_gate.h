#pragma once
// Who writes the first byte of a response: the request thread (the application's head) or the
// harakiri watchdog (a 504). Each takes the gate with one compare-exchange before its first byte;
// the loser writes nothing, so a 504 can never land in the middle of a head.

#include <atomic>
#include <cstdint>

namespace appserver {

class ResponseGate {
public:
    // The request thread, before its first byte. False: the watchdog answered (and is ending the
    // worker); write nothing.
    bool claim_for_app() {
        std::uint8_t expected = kOpen;
        return owner_.compare_exchange_strong(expected, kApp, std::memory_order_acq_rel) || expected == kApp;
    }
    // The watchdog. True only when nothing was or will be written by the request thread.
    bool claim_for_timeout() {
        std::uint8_t expected = kOpen;
        return owner_.compare_exchange_strong(expected, kTimeout, std::memory_order_acq_rel);
    }

private:
    static constexpr std::uint8_t kOpen = 0, kApp = 1, kTimeout = 2;
    std::atomic<std::uint8_t> owner_{kOpen};
};

}  // namespace appserver
