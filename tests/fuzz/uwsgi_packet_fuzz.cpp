// Fuzzes parse_uwsgi_packet the way worker/uwsgi_session.cpp drives it: the packet arrives in reads
// of any size and is parsed again over the whole buffer after each one. The parser keeps no state, so
// an answer on a prefix must agree with the answer on everything the client sent (picohttpparser's
// contract): complete stays complete with the same packet, an error stays an error.
//
// Input: [split seed: 2 bytes][knobs: 1 byte][bytes from nginx...]
//   knobs bits 0-2: max vars size (buffer-size).

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "proto/uwsgi_packet.h"

namespace {

using appserver::UwsgiPacket;
using appserver::UwsgiParseStatus;

constexpr std::array<std::size_t, 8> kMaxVars = {0, 4, 64, 512, 4096, 8192, 32768, 65535};

bool inside(std::string_view part, std::string_view whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void check_complete(const UwsgiPacket& packet, std::string_view buffer, std::size_t max_vars) {
    FUZZ_CHECK(buffer.size() >= appserver::kUwsgiHeaderSize);
    std::size_t vars_size = static_cast<unsigned char>(buffer[1]) | (static_cast<unsigned char>(buffer[2]) << 8);
    FUZZ_CHECK(vars_size <= max_vars);
    FUZZ_CHECK(packet.head_size == appserver::kUwsgiHeaderSize + vars_size);
    FUZZ_CHECK(packet.head_size <= buffer.size());
    FUZZ_CHECK(packet.modifier2 == static_cast<unsigned char>(buffer[3]));
    std::string_view head = buffer.substr(0, packet.head_size);
    std::size_t encoded = appserver::kUwsgiHeaderSize;
    bool saw_length = false;
    for (const auto& [key, value] : packet.vars) {
        FUZZ_CHECK(!key.empty());
        FUZZ_CHECK(inside(key, head) && inside(value, head));
        encoded += 2 + key.size() + 2 + value.size();
        if (key == "CONTENT_LENGTH") {
            FUZZ_CHECK(value.empty() || value.find_first_not_of("0123456789") == value.npos);
            saw_length = true;
        }
    }
    FUZZ_CHECK(encoded == packet.head_size);  // every byte of the vars block is accounted for
    if (!saw_length) FUZZ_CHECK(packet.content_length == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) return 0;
    appserver::fuzz::Splitter split(appserver::fuzz::seed_of(data));
    const std::size_t max_vars = kMaxVars[data[2] & 7];
    const std::string_view stream = appserver::fuzz::as_chars(data + 3, size - 3);

    // The answer on everything at once, in its own copy so views cannot alias the reads below.
    const std::string all(stream);
    UwsgiPacket whole;
    std::string whole_error;
    const UwsgiParseStatus whole_status = appserver::parse_uwsgi_packet(all, max_vars, whole, whole_error);
    if (whole_status == UwsgiParseStatus::complete) check_complete(whole, all, max_vars);
    if (whole_status == UwsgiParseStatus::error) FUZZ_CHECK(!whole_error.empty());

    std::string input;  // as Connection::input
    std::size_t delivered = 0;
    UwsgiPacket packet;  // reused across calls, as a caller may
    while (delivered < stream.size()) {
        std::size_t n = split.next(stream.size() - delivered);
        input.append(stream.substr(delivered, n));
        delivered += n;
        std::string error;
        UwsgiParseStatus status = appserver::parse_uwsgi_packet(input, max_vars, packet, error);
        if (status == UwsgiParseStatus::incomplete) {
            FUZZ_CHECK(error.empty());
            continue;
        }
        FUZZ_CHECK(status == whole_status);
        if (status == UwsgiParseStatus::error) {
            FUZZ_CHECK(!error.empty());  // its wording may differ: an HTTP line is quoted as far as read
            break;
        }
        check_complete(packet, input, max_vars);
        FUZZ_CHECK(packet.head_size == whole.head_size);
        FUZZ_CHECK(packet.content_length == whole.content_length);
        FUZZ_CHECK(packet.vars.size() == whole.vars.size());
        for (std::size_t i = 0; i < packet.vars.size(); ++i) {
            FUZZ_CHECK(packet.vars[i].first == whole.vars[i].first);
            FUZZ_CHECK(packet.vars[i].second == whole.vars[i].second);
        }
        // The body is the CONTENT_LENGTH bytes after the head; a session reads them and closes.
        break;
    }
    return 0;
}
