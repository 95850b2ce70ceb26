#pragma once
// uid / gid: the master drops root after binding its sockets (workers inherit the identity).

#include <string>

namespace appserver {

// Switches to `group` then `user` (names or numbers; either may be empty). False: one line in `error`.
bool drop_privileges(const std::string& user, const std::string& group, std::string& error);

}  // namespace appserver
