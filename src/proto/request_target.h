#pragma once
// The request target sorted into its RFC 9112 §3.2 forms, and authorities (Host values) checked.
// Pure functions over the bytes llhttp has already accepted as a target.

#include <optional>
#include <string_view>

namespace appserver {

enum class TargetForm {
    origin,    // "/path?query"
    absolute,  // "http://host:port/path?query" (scheme case-insensitive, http or https only)
    asterisk,  // "*", OPTIONS only
};

struct RequestTarget {
    TargetForm form = TargetForm::origin;
    std::string_view authority;  // absolute-form: "host[:port]" as sent
    std::string_view rest;       // what follows the authority: "/p?q", "?q" or "" (origin-form: all of it)
};

// Sorts `target` into its form; nullopt for anything the server does not answer: authority-form,
// other schemes, a missing or malformed authority, userinfo ("user@host"), "*" with a method
// other than OPTIONS, a target that starts with neither "/" nor a scheme, or one with whitespace
// or control characters.
std::optional<RequestTarget> parse_request_target(std::string_view method, std::string_view target);

// RFC 3986 host [":" port] without userinfo: a reg-name (unreserved, sub-delims, %XX), an IPv4
// address or a bracketed IP literal, then optional port digits. Empty is valid (no authority).
bool valid_authority(std::string_view authority);

// The host of a valid authority, without the port (an IP literal keeps its brackets).
std::string_view authority_host(std::string_view authority);

}  // namespace appserver
