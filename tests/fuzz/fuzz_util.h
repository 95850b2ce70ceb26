#pragma once
// Helpers shared by the fuzz targets: how an input's leading bytes choose the read sizes a socket
// would deliver, and a check that aborts (so libFuzzer saves the input) with a readable message.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

// Broken invariant: the input is a finding. abort() makes libFuzzer write crash-<sha1>.
#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                 \
        }                                                                                 \
    } while (0)

namespace appserver::fuzz {

// Chooses how many of the remaining bytes the next read() returns. The seed is two bytes of the
// input: 0 delivers everything at once; otherwise a xorshift sequence mixes single bytes (the
// picohttpparser habit), short reads and long ones.
class Splitter {
public:
    explicit Splitter(std::uint16_t seed) : whole_(seed == 0), state_(0x9e3779b9u ^ seed) {}

    std::size_t next(std::size_t remaining) {
        if (whole_ || remaining == 0) return remaining;
        std::uint32_t r = step();
        std::size_t n;
        switch (r & 3) {
            case 0: n = 1; break;
            case 1: n = 1 + (r >> 2) % 8; break;
            case 2: n = 1 + (r >> 2) % 64; break;
            default: n = 1 + (r >> 2) % 4096; break;
        }
        return n < remaining ? n : remaining;
    }

private:
    std::uint32_t step() {
        state_ ^= state_ << 13;
        state_ ^= state_ >> 17;
        state_ ^= state_ << 5;
        return state_;
    }

    bool whole_;
    std::uint32_t state_;
};

inline std::uint16_t seed_of(const std::uint8_t* data) {
    return static_cast<std::uint16_t>(data[0] | (data[1] << 8));
}

inline std::string_view as_chars(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

}  // namespace appserver::fuzz
