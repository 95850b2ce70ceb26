#pragma once
// An HTTP request head turned into CGI variables (the form WSGI environ and the uwsgi protocol use).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "appserver/app_runtime.h"
#include "proto/http_parser.h"

namespace appserver {

struct PeerInfo {
    std::string remote_addr;
    int remote_port = 0;
    std::string local_addr;
    int local_port = 0;
};

// Percent-decodes a URL path ("%2F" stays decoded as '/', as CGI servers do). Bytes, not UTF-8.
std::string percent_decode(std::string_view in);

class CgiVars {
public:
    // Fills the variables for one request; earlier contents are discarded.
    void build(const HttpHead& head, const PeerInfo& peer);
    const CgiVarList& vars() const { return views_; }
    std::string_view get(std::string_view name) const;

private:
    void add(std::string_view name, std::string_view value);
    // A variable written into the arena piece by piece: open_name, the name's bytes, close_name,
    // the value's bytes, close_value.
    void open_name();
    void close_name();
    void close_value();

    std::string arena_;
    std::vector<std::pair<std::size_t, std::size_t>> offsets_;  // name start, value start (in pairs)
    CgiVarList views_;
    std::size_t name_start_ = 0;
    std::size_t value_start_ = 0;
};

}  // namespace appserver
