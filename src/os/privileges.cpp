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

}  // namespace

bool drop_privileges(const std::string& user, const std::string& group, std::string& error) {
    uid_t uid = 0;
    gid_t gid = 0;
    std::string user_name;
    bool have_user = !user.empty(), have_group = !group.empty();
    if (have_user) {
        unsigned n = 0;
        const passwd* pw = as_number(user, n) ? ::getpwuid(n) : ::getpwnam(user.c_str());
        if (!pw && !as_number(user, n)) {
            error = "uid: no such user \"" + user + "\"";
            return false;
        }
        uid = pw ? pw->pw_uid : n;
        if (pw) user_name = pw->pw_name;
        if (!have_group && pw) gid = pw->pw_gid;
    }
    if (have_group) {
        unsigned n = 0;
        const struct group* gr = as_number(group, n) ? ::getgrgid(n) : ::getgrnam(group.c_str());
        if (!gr && !as_number(group, n)) {
            error = "gid: no such group \"" + group + "\"";
            return false;
        }
        gid = gr ? gr->gr_gid : n;
    }
    if (have_group || (have_user && gid != 0)) {
        // Supplementary groups first (they need root), then the group, then the user.
        if (!user_name.empty() ? ::initgroups(user_name.c_str(), gid) != 0 : ::setgroups(1, &gid) != 0) {
            error = "gid: " + log::syscall_error("setgroups", group.empty() ? user : group, errno);
            return false;
        }
        if (::setgid(gid) != 0) {
            error = "gid: " + log::syscall_error("setgid", group.empty() ? user : group, errno);
            return false;
        }
    }
    if (have_user && ::setuid(uid) != 0) {
        error = "uid: " + log::syscall_error("setuid", user, errno);
        return false;
    }
    return true;
}

}  // namespace appserver
