#include "proto/http_date.h"

#include <cstring>

namespace appserver {
namespace {

std::string format(std::time_t t, char* buf, std::size_t size) {
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    return std::string(buf, std::strftime(buf, size, "%a, %d %b %Y %H:%M:%S GMT", &tm));
}

}  // namespace

std::string_view http_date_now() {
    thread_local std::time_t cached_second = 0;
    thread_local char buf[64];
    thread_local std::size_t len = 0;
    std::time_t now = std::time(nullptr);
    if (now != cached_second) {
        std::tm tm{};
        ::gmtime_r(&now, &tm);
        len = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        cached_second = now;
    }
    return {buf, len};
}

std::string format_http_date(std::time_t t) {
    char buf[64];
    return format(t, buf, sizeof buf);
}

std::optional<std::time_t> parse_http_date(std::string_view text) {
    if (text.empty() || text.size() > 64) return std::nullopt;
    std::string s(text);
    for (const char* pattern : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
        std::tm tm{};
        const char* end = ::strptime(s.c_str(), pattern, &tm);
        if (end && *end == '\0') return ::timegm(&tm);
    }
    return std::nullopt;
}

}  // namespace appserver
