#include "log/access_format.h"

#include <array>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace appserver::log {
namespace {

using Field = AccessFormat::Field;

struct Name {
    std::string_view name;
    Field field;
};

// uWSGI 2.0's names (core/logging.c), and appserver's few additions (mtime, iso8601, via, staticmark).
constexpr std::array kNames = {
    Name{"addr", Field::addr},       Name{"user", Field::user},     Name{"method", Field::method},
    Name{"uri", Field::uri},         Name{"proto", Field::proto},   Name{"host", Field::host},
    Name{"referer", Field::referer}, Name{"uagent", Field::uagent}, Name{"status", Field::status},
    Name{"size", Field::size},       Name{"rsize", Field::rsize},   Name{"hsize", Field::hsize},
    Name{"headers", Field::headers}, Name{"msecs", Field::msecs},   Name{"micros", Field::micros},
    Name{"secs", Field::secs},       Name{"mtime", Field::mtime},   Name{"time", Field::time},
    Name{"ltime", Field::ltime},     Name{"ftime", Field::ftime},   Name{"ctime", Field::ctime},
    Name{"iso8601", Field::iso8601}, Name{"epoch", Field::epoch},   Name{"tmsecs", Field::tmsecs},
    Name{"tmicros", Field::tmicros}, Name{"pid", Field::pid},       Name{"wid", Field::wid},
    Name{"rss", Field::rss},         Name{"vsz", Field::vsz},       Name{"rssM", Field::rss_mb},
    Name{"vszM", Field::vsz_mb},     Name{"vars", Field::vars},     Name{"cl", Field::cl},
    Name{"via", Field::via},         Name{"staticmark", Field::static_mark},
};

constexpr char kHex[] = "0123456789ABCDEF";
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kDays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

void append_number(std::string& out, std::int64_t value) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, end);
}

void append_unsigned(std::string& out, std::uint64_t value) {
    char buf[24];
    auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
    out.append(buf, end);
}

void append2(std::string& out, int value) {
    out += static_cast<char>('0' + value / 10 % 10);
    out += static_cast<char>('0' + value % 10);
}

// Local time of one second, computed once per second per thread: localtime_r takes a lock and
// reads the zone each call, which a busy worker would pay on every line.
const std::tm& local_tm(std::int64_t second) {
    thread_local std::int64_t cached = -1;
    thread_local std::tm tm{};
    if (second != cached) {
        auto t = static_cast<std::time_t>(second);
        if (!::localtime_r(&t, &tm)) tm = std::tm{};
        cached = second;
    }
    return tm;
}

// +0100, or +01:00 with `colon` (ISO 8601).
void append_zone(std::string& out, const std::tm& tm, bool colon) {
    long offset = tm.tm_gmtoff / 60;
    out += offset < 0 ? '-' : '+';
    if (offset < 0) offset = -offset;
    append2(out, static_cast<int>(offset / 60));
    if (colon) out += ':';
    append2(out, static_cast<int>(offset % 60));
}

// 27/Nov/2026:10:20:42 +0000: nginx's $time_local and uWSGI's %(ltime), in English whatever the locale.
void append_ltime(std::string& out, std::int64_t second) {
    const std::tm& tm = local_tm(second);
    append2(out, tm.tm_mday);
    out += '/';
    out += kMonths[static_cast<std::size_t>(tm.tm_mon) % 12];
    out += '/';
    append_number(out, tm.tm_year + 1900);
    out += ':';
    append2(out, tm.tm_hour);
    out += ':';
    append2(out, tm.tm_min);
    out += ':';
    append2(out, tm.tm_sec);
    out += ' ';
    append_zone(out, tm, false);
}

// Fri Nov 27 10:20:42 2026: ctime(3) without its newline (uWSGI's %(ctime)).
void append_ctime(std::string& out, std::int64_t second) {
    const std::tm& tm = local_tm(second);
    out += kDays[static_cast<std::size_t>(tm.tm_wday) % 7];
    out += ' ';
    out += kMonths[static_cast<std::size_t>(tm.tm_mon) % 12];
    out += ' ';
    if (tm.tm_mday < 10) out += ' ';
    append_number(out, tm.tm_mday);
    out += ' ';
    append2(out, tm.tm_hour);
    out += ':';
    append2(out, tm.tm_min);
    out += ':';
    append2(out, tm.tm_sec);
    out += ' ';
    append_number(out, tm.tm_year + 1900);
}

// 2026-11-27T10:20:42+00:00: nginx's $time_iso8601.
void append_iso8601(std::string& out, std::int64_t second) {
    const std::tm& tm = local_tm(second);
    append_number(out, tm.tm_year + 1900);
    out += '-';
    append2(out, tm.tm_mon + 1);
    out += '-';
    append2(out, tm.tm_mday);
    out += 'T';
    append2(out, tm.tm_hour);
    out += ':';
    append2(out, tm.tm_min);
    out += ':';
    append2(out, tm.tm_sec);
    append_zone(out, tm, true);
}

// The length of the valid UTF-8 sequence at the start of `s` (1-4), or 0 when it is not one
// (overlong forms, surrogates and code points past U+10FFFF are not valid).
std::size_t utf8_sequence(std::string_view s) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    unsigned char c = byte(0);
    std::size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
    if (c < 0xC2 || c > 0xF4 || s.size() < len) return 0;
    for (std::size_t i = 1; i < len; ++i)
        if ((byte(i) & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && byte(1) >= 0xA0) return 0;  // surrogates
    if (c == 0xF0 && byte(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && byte(1) >= 0x90) return 0;  // past U+10FFFF
    return len;
}

std::string_view via_name(Via via) {
    switch (via) {
        case Via::sendfile: return "sendfile";
        case Via::static_file: return "static";
        case Via::app: break;
    }
    return "app";
}

}  // namespace

void append_escaped_text(std::string& out, std::string_view value) {
    for (char ch : value) {
        auto c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 0xf];
        } else {
            out += ch;
        }
    }
}

void append_escaped_json(std::string& out, std::string_view value) {
    std::size_t i = 0;
    while (i < value.size()) {
        auto c = static_cast<unsigned char>(value[i]);
        if (c >= 0x80) {
            std::size_t len = utf8_sequence(value.substr(i));
            if (len > 0) {
                out.append(value.substr(i, len));
                i += len;
            } else {
                out += "\\\\x";  // the text \xHH: readable, and never confused with a real character
                out += kHex[c >> 4];
                out += kHex[c & 0xf];
                ++i;
            }
            continue;
        }
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || c == 0x7f) {
                    out += "\\u00";
                    out += kHex[c >> 4];
                    out += kHex[c & 0xf];
                } else {
                    out += static_cast<char>(c);
                }
        }
        ++i;
    }
}

AccessFormat AccessFormat::compile(std::string_view spec, bool memory_report) {
    AccessFormat format;
    if (spec == "combined") spec = kCombined;
    if (spec == "json") {
        spec = kJson;
        format.empty_dash_ = false;
    }
    if (spec.empty()) spec = kDefault;
    format.json_ = !spec.empty() && spec.front() == '{';
    std::string with_memory;
    if (memory_report) {
        with_memory = spec;
        if (format.json_ && with_memory.back() == '}') {
            with_memory.pop_back();
            with_memory += R"fmt(,"rss":%(rss),"vsz":%(vsz)})fmt";
        } else {
            with_memory +=
                " {address space usage: %(vsz) bytes/%(vszM)MB} {rss usage: %(rss) bytes/%(rssM)MB}";
        }
        spec = with_memory;
    }
    std::string text;
    auto flush_text = [&] {
        if (!text.empty()) format.parts_.push_back(Part{Field::text, std::move(text)});
        text.clear();
    };
    std::size_t i = 0;
    while (i < spec.size()) {
        std::size_t close = std::string_view::npos;
        if (spec.compare(i, 2, "%(") == 0) close = spec.find(')', i + 2);
        if (close == std::string_view::npos) {
            text += spec[i++];
            continue;
        }
        std::string_view name = spec.substr(i + 2, close - i - 2);
        i = close + 1;
        flush_text();
        Part part{Field::unknown, std::string(name)};
        if (name.size() > 4 && name.substr(0, 4) == "var.") {
            part = Part{Field::var, std::string(name.substr(4))};
        } else {
            for (const Name& n : kNames)
                if (n.name == name) part.field = n.field;
        }
        if (part.field == Field::unknown) format.unknown_.emplace_back(name);
        if (part.field == Field::rss || part.field == Field::vsz || part.field == Field::rss_mb ||
            part.field == Field::vsz_mb)
            format.needs_memory_ = true;
        format.parts_.push_back(std::move(part));
    }
    flush_text();
    return format;
}

void AccessFormat::render(const AccessRecord& r, std::string& out) const {
    auto str = [&](std::string_view value) {
        if (value.empty()) {
            if (empty_dash_) out += '-';
        } else if (json_) {
            append_escaped_json(out, value);
        } else {
            append_escaped_text(out, value);
        }
    };
    std::int64_t duration = r.end_us > r.start_us ? r.end_us - r.start_us : 0;
    for (const Part& p : parts_) {
        switch (p.field) {
            case Field::text: out += p.text; break;
            case Field::addr: str(r.addr); break;
            case Field::user: str(r.user); break;
            case Field::method: str(r.method); break;
            case Field::uri: str(r.uri); break;
            case Field::proto: str(r.proto); break;
            case Field::host: str(r.host); break;
            case Field::referer: str(r.referer); break;
            case Field::uagent: str(r.uagent); break;
            case Field::var: str(r.vars ? find_var(*r.vars, p.text).value_or("") : ""); break;
            case Field::unknown: str(""); break;
            case Field::via: str(via_name(r.via)); break;
            case Field::static_mark:  // nothing at all (not "-") for other requests
                if (r.via == Via::static_file) out += " static";
                break;
            case Field::status: append_number(out, r.status); break;
            case Field::size: append_unsigned(out, r.head_bytes + r.body_bytes); break;
            case Field::rsize: append_unsigned(out, r.body_bytes); break;
            case Field::hsize: append_unsigned(out, r.head_bytes); break;
            case Field::headers: append_unsigned(out, r.header_count); break;
            case Field::msecs: append_number(out, duration / 1000); break;
            case Field::micros: append_number(out, duration); break;
            case Field::secs: {
                char buf[32];
                int n = std::snprintf(buf, sizeof buf, "%f", static_cast<double>(duration) / 1e6);
                out.append(buf, static_cast<std::size_t>(n));
                break;
            }
            case Field::mtime: {
                append_number(out, duration / 1000);
                out += '.';
                auto frac = static_cast<int>(duration % 1000);
                out += static_cast<char>('0' + frac / 100);
                append2(out, frac % 100);
                break;
            }
            case Field::time: append_number(out, r.start_us / 1000000); break;
            case Field::ltime:
            case Field::ftime: append_ltime(out, r.start_us / 1000000); break;
            case Field::ctime: append_ctime(out, r.start_us / 1000000); break;
            case Field::iso8601: append_iso8601(out, r.start_us / 1000000); break;
            case Field::epoch: append_number(out, r.end_us / 1000000); break;
            case Field::tmsecs: append_number(out, r.start_us / 1000); break;
            case Field::tmicros: append_number(out, r.start_us); break;
            case Field::pid: append_number(out, r.pid); break;
            case Field::wid: append_number(out, r.wid); break;
            case Field::rss: append_unsigned(out, r.rss); break;
            case Field::vsz: append_unsigned(out, r.vsz); break;
            case Field::rss_mb: append_unsigned(out, r.rss / (1024 * 1024)); break;
            case Field::vsz_mb: append_unsigned(out, r.vsz / (1024 * 1024)); break;
            case Field::vars: append_unsigned(out, r.vars ? r.vars->size() : 0); break;
            case Field::cl: {
                std::string_view cl = r.vars ? find_var(*r.vars, "CONTENT_LENGTH").value_or("") : "";
                std::uint64_t n = 0;
                std::from_chars(cl.data(), cl.data() + cl.size(), n);
                append_unsigned(out, n);
                break;
            }
        }
    }
}

}  // namespace appserver::log
