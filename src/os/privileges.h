#pragma once
// uid / gid: the master drops root after binding its sockets and before it imports the application
// (workers inherit the identity). chown-socket hands unix sockets to another owner.

#include <sys/types.h>

#include <optional>
#include <string>

namespace appserver {

// A user and/or group resolved from names or numbers; -1 means "leave as it is".
struct Identity {
    uid_t uid = static_cast<uid_t>(-1);
    gid_t gid = static_cast<gid_t>(-1);
    std::string user_name;  // for the supplementary groups (initgroups); empty for a bare number

    bool empty() const { return uid == static_cast<uid_t>(-1) && gid == static_cast<gid_t>(-1); }
    std::string describe() const;  // "uid 65534 gid 65534"
};

// uid / gid options: names or numbers (a user name alone brings its primary group). nullopt with
// one line in `error` ("uid: no such user \"x\"").
std::optional<Identity> resolve_identity(const std::string& user, const std::string& group,
                                         std::string& error);

// chown-socket's "user[:group]" (uWSGI's syntax; without a group the socket keeps its group).
std::optional<Identity> resolve_owner(const std::string& spec, std::string& error);

// Switches to `id`: supplementary groups, group, then user. A process already running as `id`
// (a master re-executed by a reload) has nothing to do; any other switch needs root. False: one line.
bool drop_privileges(const Identity& id, std::string& error);

// chown(2) of a file the master keeps writing after it dropped root (pidfile, reload status, log).
bool hand_over(const std::string& path, const Identity& id, std::string& error);

}  // namespace appserver
