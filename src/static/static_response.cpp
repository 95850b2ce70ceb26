#include "static/static_response.h"

#include <charconv>
#include <cstdio>

#include "appserver/ascii.h"
#include "proto/http_date.h"
#include "static/mime_types.h"

namespace appserver {
namespace {

using ascii::trim;

// Calls `f` with each comma-separated element, trimmed; stops when f returns true.
template <typename F>
bool any_element(std::string_view list, F f) {
    while (!list.empty()) {
        std::size_t comma = list.find(',');
        std::string_view item = trim(list.substr(0, comma));
        if (!item.empty() && f(item)) return true;
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 1);
    }
    return false;
}

bool parse_u64(std::string_view s, std::uint64_t& out) {
    if (s.empty() || s.size() > 19) return false;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    return ec == std::errc() && end == s.data() + s.size();
}

std::string_view opaque_tag(std::string_view tag) {
    if (tag.starts_with("W/")) tag.remove_prefix(2);
    return tag;
}

// If-Range: the strong ETag itself, or the exact Last-Modified date.
bool if_range_holds(std::string_view if_range, std::string_view etag, std::time_t mtime) {
    if_range = trim(if_range);
    if (if_range.empty()) return true;
    if (if_range.starts_with('"') || if_range.starts_with("W/")) return if_range == etag;
    auto date = parse_http_date(if_range);
    return date && *date == mtime;
}

void add_validators(StaticReply& r, const StaticEntity& e, const std::string& etag, std::time_t now) {
    r.headers.emplace_back("Last-Modified", format_http_date(e.mtime));
    r.headers.emplace_back("ETag", etag);
    if (e.vary) r.headers.emplace_back("Vary", "Accept-Encoding");
    if (e.expires >= 0) {
        r.headers.emplace_back("Expires", format_http_date(now + e.expires));
        r.headers.emplace_back("Cache-Control", "max-age=" + std::to_string(e.expires));
    }
}

}  // namespace

std::string static_etag(std::uint64_t size, std::time_t mtime) {
    char buf[64];
    int n = std::snprintf(buf, sizeof buf, "\"%llx-%llx\"", static_cast<unsigned long long>(mtime),
                          static_cast<unsigned long long>(size));
    return std::string(buf, static_cast<std::size_t>(n));
}

bool etag_list_matches(std::string_view if_none_match, std::string_view etag) {
    if (trim(if_none_match) == "*") return true;
    return any_element(if_none_match,
                       [&](std::string_view tag) { return opaque_tag(tag) == opaque_tag(etag); });
}

ByteRange parse_byte_range(std::string_view header, std::uint64_t size) {
    ByteRange whole;
    header = trim(header);
    if (header.size() < 6 || !ascii::iequals(header.substr(0, 6), "bytes=")) return whole;
    std::string_view spec = trim(header.substr(6));
    if (spec.find(',') != std::string_view::npos) return whole;  // several ranges: the whole file
    std::size_t dash = spec.find('-');
    if (dash == std::string_view::npos) return whole;
    std::string_view a = trim(spec.substr(0, dash)), b = trim(spec.substr(dash + 1));
    ByteRange r;
    r.kind = ByteRange::Kind::part;
    if (a.empty()) {  // the last N bytes
        std::uint64_t n = 0;
        if (!parse_u64(b, n)) return whole;
        if (n == 0 || size == 0) return ByteRange{ByteRange::Kind::unsatisfiable, 0, 0};
        r.first = n >= size ? 0 : size - n;
        r.last = size - 1;
        return r;
    }
    if (!parse_u64(a, r.first)) return whole;
    if (b.empty()) {
        r.last = size == 0 ? 0 : size - 1;
    } else {
        if (!parse_u64(b, r.last) || r.last < r.first) return whole;
        if (size > 0 && r.last >= size) r.last = size - 1;
    }
    if (r.first >= size) return ByteRange{ByteRange::Kind::unsatisfiable, 0, 0};
    return r;
}

bool accepts_gzip(std::string_view accept_encoding) {
    bool star = false, gzip_listed = false, gzip_ok = false;
    any_element(accept_encoding, [&](std::string_view item) {
        std::string_view coding = trim(item.substr(0, item.find(';')));
        bool acceptable = true;
        if (auto semi = item.find(';'); semi != std::string_view::npos) {
            std::string_view param = trim(item.substr(semi + 1));
            if (param.size() >= 2 && ascii::lower(param[0]) == 'q' && param[1] == '=') {
                std::string_view q = trim(param.substr(2));
                // q=0, 0.0, 0.00, 0.000: not acceptable.
                acceptable = q.find_first_not_of("0.") != std::string_view::npos;
            }
        }
        if (ascii::iequals(coding, "gzip") || ascii::iequals(coding, "x-gzip")) {
            gzip_listed = true;
            gzip_ok = acceptable;
        } else if (coding == "*") {
            star = acceptable;
        }
        return false;
    });
    return gzip_listed ? gzip_ok : star;
}

StaticReply plan_static_reply(const StaticRequest& request, const StaticEntity& e, bool honour_range,
                              std::time_t now) {
    StaticReply r;
    std::string etag = static_etag(e.size, e.mtime);
    // RFC 9110 §13.2.2: If-None-Match first; If-Modified-Since only without it.
    bool not_modified = false;
    if (!request.if_none_match.empty()) {
        not_modified = etag_list_matches(request.if_none_match, etag);
    } else if (!request.if_modified_since.empty()) {
        auto since = parse_http_date(trim(request.if_modified_since));
        not_modified = since && e.mtime <= *since;
    }
    if (not_modified) {
        r.status = 304;
        r.status_line = "304 Not Modified";
        add_validators(r, e, etag, now);
        return r;
    }
    ByteRange range;
    // Range is defined for GET only (RFC 9110 §14.2): a HEAD tells the whole file's length.
    if (honour_range && request.method == "GET" && !request.range.empty() &&
        if_range_holds(request.if_range, etag, e.mtime))
        range = parse_byte_range(request.range, e.size);
    if (range.kind == ByteRange::Kind::unsatisfiable) {
        r.status = 416;
        r.status_line = "416 Range Not Satisfiable";
        r.headers.emplace_back("Content-Range", "bytes */" + std::to_string(e.size));
        return r;
    }
    r.headers.emplace_back("Content-Type", content_type_for(e.media_type));
    if (e.gzip) r.headers.emplace_back("Content-Encoding", "gzip");
    if (honour_range) r.headers.emplace_back("Accept-Ranges", "bytes");
    add_validators(r, e, etag, now);
    if (range.kind == ByteRange::Kind::part) {
        r.status = 206;
        r.status_line = "206 Partial Content";
        r.offset = range.first;
        r.length = range.last - range.first + 1;
        r.headers.emplace_back("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                                    std::to_string(range.last) + "/" +
                                                    std::to_string(e.size));
        return r;
    }
    r.status_line = "200 OK";
    r.length = e.size;
    return r;
}

}  // namespace appserver
