#pragma once
// The Date header value (RFC 9110 IMF-fixdate), formatted at most once per second per thread.

#include <string_view>

namespace appserver {

std::string_view http_date_now();

}  // namespace appserver
