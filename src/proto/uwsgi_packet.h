#pragma once
// The uwsgi binary protocol's request packet (what nginx's uwsgi_pass sends): a 4-byte header
// (modifier1, vars-block size as 16-bit little-endian, modifier2), then the vars block of
// key/value pairs, each prefixed by its 16-bit little-endian length, then CONTENT_LENGTH body bytes.
// Pure, in picohttpparser's shape: no I/O, no state; views point into the caller's buffer, and a
// caller that has too few bytes gets "incomplete" and calls again with more.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace appserver {

inline constexpr std::size_t kUwsgiHeaderSize = 4;

struct UwsgiPacket {
    std::size_t head_size = 0;  // header + vars block: where the body starts in the buffer
    std::uint8_t modifier2 = 0;
    std::uint64_t content_length = 0;  // from CONTENT_LENGTH, 0 when absent or empty
    std::vector<std::pair<std::string_view, std::string_view>> vars;  // in packet order
};

enum class UwsgiParseStatus { complete, incomplete, error };

// Parses the packet at the start of `input`. complete: `packet` is filled (its views point into
// `input`). incomplete: more bytes are needed. error: `error` is one line for the log (modifier1
// other than 0, a vars block larger than `max_vars_size`, lengths pointing past the block, a bad
// CONTENT_LENGTH, or an HTTP request sent to a uwsgi socket).
UwsgiParseStatus parse_uwsgi_packet(std::string_view input, std::size_t max_vars_size, UwsgiPacket& packet,
                                    std::string& error);

}  // namespace appserver
