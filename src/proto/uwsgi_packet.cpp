#include "proto/uwsgi_packet.h"

namespace appserver {
namespace {

std::uint16_t le16(std::string_view in, std::size_t at) {
    return static_cast<std::uint16_t>(static_cast<unsigned char>(in[at]) |
                                      (static_cast<unsigned char>(in[at + 1]) << 8));
}

// "GET /x HTTP/1.1" as it may be quoted in a log line: the first line, printable bytes only.
std::string quote_first_line(std::string_view in) {
    std::string out;
    for (char c : in.substr(0, 60)) {
        if (c == '\r' || c == '\n') break;
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    }
    return out;
}

// Request methods are upper-case tokens: a packet starting like one is an HTTP client.
bool looks_like_http(std::string_view in) {
    std::size_t i = 0;
    while (i < in.size() && in[i] >= 'A' && in[i] <= 'Z') ++i;
    return i > 0 && (i == in.size() || in[i] == ' ');
}

bool parse_length(std::string_view text, std::uint64_t& out) {
    out = 0;
    if (text.size() > 18) return false;  // far beyond any body we would read, and no overflow
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        out = out * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return true;
}

}  // namespace

UwsgiParseStatus parse_uwsgi_packet(std::string_view input, std::size_t max_vars_size, UwsgiPacket& packet,
                                    std::string& error) {
    packet.vars.clear();
    packet.content_length = 0;
    if (input.size() < kUwsgiHeaderSize) return UwsgiParseStatus::incomplete;

    auto modifier1 = static_cast<unsigned char>(input[0]);
    if (modifier1 != 0) {
        if (looks_like_http(input.substr(0, 8)))
            error =
                "HTTP request (\"" + quote_first_line(input) +
                "\") where a uwsgi packet was expected: point HTTP clients at an http or http-socket address";
        else
            error = "uwsgi packet with modifier1 " + std::to_string(modifier1) + ": only 0 (WSGI) is served";
        return UwsgiParseStatus::error;
    }
    std::size_t vars_size = le16(input, 1);
    if (vars_size > max_vars_size) {
        error = "uwsgi vars block of " + std::to_string(vars_size) + " bytes is larger than buffer-size (" +
                std::to_string(max_vars_size) + ")";
        return UwsgiParseStatus::error;
    }
    std::size_t end = kUwsgiHeaderSize + vars_size;
    if (input.size() < end) return UwsgiParseStatus::incomplete;

    std::string_view block = input.substr(0, end);
    bool have_length = false;
    std::size_t pos = kUwsgiHeaderSize;
    while (pos < end) {
        std::string_view key, value;
        for (std::string_view* field : {&key, &value}) {
            if (end - pos < 2) {
                error = "uwsgi vars block truncated: a length field runs past its end (" +
                        std::to_string(vars_size) + " bytes)";
                return UwsgiParseStatus::error;
            }
            std::size_t len = le16(block, pos);
            pos += 2;
            if (len > end - pos) {
                error = "uwsgi var of " + std::to_string(len) +
                        " bytes runs past the end of the vars block (" + std::to_string(vars_size) +
                        " bytes)";
                return UwsgiParseStatus::error;
            }
            *field = block.substr(pos, len);
            pos += len;
        }
        if (key.empty()) {
            error = "uwsgi var with an empty name";
            return UwsgiParseStatus::error;
        }
        if (key == "CONTENT_LENGTH") {
            std::uint64_t length = 0;
            if (!parse_length(value, length) || (have_length && length != packet.content_length)) {
                error = "uwsgi packet with a bad CONTENT_LENGTH \"" + quote_first_line(value) + "\"";
                return UwsgiParseStatus::error;
            }
            have_length = true;
            packet.content_length = length;
        }
        packet.vars.emplace_back(key, value);
    }
    packet.head_size = end;
    packet.modifier2 = static_cast<std::uint8_t>(input[3]);
    return UwsgiParseStatus::complete;
}

}  // namespace appserver
