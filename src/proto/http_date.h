#pragma once
// HTTP dates (RFC 9110 §5.6.7): the Date header value, formatted at most once per second per
// thread; any time formatted as an IMF-fixdate; and the three forms a recipient must accept parsed.

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace appserver {

std::string_view http_date_now();

// "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(std::time_t t);

// IMF-fixdate, RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") or asctime ("Sun Nov  6 08:49:37 1994");
// nullopt for anything else (a header that cannot be read is ignored, RFC 9110 §13.1.3).
std::optional<std::time_t> parse_http_date(std::string_view text);

}  // namespace appserver
