#include "os/privileges.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "log/log.h"

namespace appserver {
namespace {

bool as_number(const std::string& text, unsigned& out) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && ptr == text.data() + text.size();
}

// A number need not exist in /etc/passwd (uWSGI accepts any); a name must.
bool resolve_user(const std::string& user, Identity& id, bool take_group, const char* what,
                  std::string& error) {
    unsigned n = 0;
    bool numeric = as_number(user, n);
    const passwd* pw = numeric ? ::getpwuid(n) : ::getpwnam(user.c_str());
    if (!pw && !numeric) {
        error = std::string(what) + ": no such user \"" + user + "\"";
        return false;
    }
    id.uid = pw ? pw->pw_uid : n;
    if (pw) id.user_name = pw->pw_name;
    if (take_group && pw) id.gid = pw->pw_gid;
    return true;
}

bool resolve_group(const std::string& group, Identity& id, const char* what, std::string& error) {
    unsigned n = 0;
    bool numeric = as_number(group, n);
    const struct group* gr = numeric ? ::getgrgid(n) : ::getgrnam(group.c_str());
    if (!gr && !numeric) {
        error = std::string(what) + ": no such group \"" + group + "\"";
        return false;
    }
    id.gid = gr ? gr->gr_gid : n;
    return true;
}

bool already(const Identity& id) {
    bool user_ok = id.uid == static_cast<uid_t>(-1) || (::getuid() == id.uid && ::geteuid() == id.uid);
    bool group_ok = id.gid == static_cast<gid_t>(-1) || (::getgid() == id.gid && ::getegid() == id.gid);
    return user_ok && group_ok;
}

}  // namespace

std::string Identity::describe() const {
    std::string text;
    if (uid != static_cast<uid_t>(-1)) text += "uid " + std::to_string(uid);
    if (gid != static_cast<gid_t>(-1)) text += (text.empty() ? "gid " : " gid ") + std::to_string(gid);
    return text;
}

std::optional<Identity> resolve_identity(const std::string& user, const std::string& group,
                                         std::string& error) {
    Identity id;
    if (!user.empty() && !resolve_user(user, id, group.empty(), "uid", error)) return std::nullopt;
    if (!group.empty() && !resolve_group(group, id, "gid", error)) return std::nullopt;
    return id;
}

std::optional<Identity> resolve_owner(const std::string& spec, std::string& error) {
    Identity id;
    auto colon = spec.find(':');
    std::string user = spec.substr(0, colon);
    if (user.empty()) {
        error = "chown-socket: \"" + spec + "\" names no user (expected user[:group])";
        return std::nullopt;
    }
    if (!resolve_user(user, id, false, "chown-socket", error)) return std::nullopt;
    if (colon != std::string::npos && !resolve_group(spec.substr(colon + 1), id, "chown-socket", error))
        return std::nullopt;
    return id;
}

bool drop_privileges(const Identity& id, std::string& error) {
    if (id.empty() || (already(id) && ::geteuid() != 0)) return true;
    if (::geteuid() != 0) {
        error = "uid/gid: cannot switch to " + id.describe() + " while running as uid " +
                std::to_string(::geteuid()) + " gid " + std::to_string(::getegid()) +
                " (only root can; restart appserver to change uid or gid)";
        return false;
    }
    if (id.gid != static_cast<gid_t>(-1)) {
        // Supplementary groups first (they need root), then the group, then the user.
        bool init = !id.user_name.empty() && id.uid != static_cast<uid_t>(-1);
        if (init ? ::initgroups(id.user_name.c_str(), id.gid) != 0 : ::setgroups(1, &id.gid) != 0) {
            error = "gid: " + log::syscall_error(init ? "initgroups" : "setgroups", id.describe(), errno);
            return false;
        }
        if (::setgid(id.gid) != 0) {
            error = "gid: " + log::syscall_error("setgid", std::to_string(id.gid), errno);
            return false;
        }
    }
    if (id.gid == static_cast<gid_t>(-1) && id.uid != static_cast<uid_t>(-1) &&
        ::setgroups(0, nullptr) != 0) {
        // A bare uid number with no gid: at least root's supplementary groups must not stay.
        error = "uid: " + log::syscall_error("setgroups", id.describe(), errno);
        return false;
    }
    if (id.uid != static_cast<uid_t>(-1) && ::setuid(id.uid) != 0) {
        error = "uid: " + log::syscall_error("setuid", std::to_string(id.uid), errno);
        return false;
    }
    return true;
}

bool hand_over(const std::string& path, const Identity& id, std::string& error) {
    // lchown: a symlink planted at the path (a sticky /tmp) must not hand its target to uid.
    if (id.empty() || ::lchown(path.c_str(), id.uid, id.gid) == 0) return true;
    error = log::syscall_error("lchown", path, errno);
    return false;
}

}  // namespace appserver
