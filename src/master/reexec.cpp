#include "master/reexec.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <sstream>

#include "log/log.h"
#include "os/signals.h"

extern char** environ;

namespace appserver {
namespace {

constexpr char kSocketsVar[] = "APPSERVER_INHERIT_SOCKETS";
constexpr char kWorkersVar[] = "APPSERVER_INHERIT_WORKERS";
constexpr char kGenerationVar[] = "APPSERVER_GENERATION";
constexpr char kReadyVar[] = "APPSERVER_INHERIT_READY";
constexpr char kReloadStatusVar[] = "APPSERVER_INHERIT_RELOAD_STATUS";
// Which of the handed-over sockets came from socket activation (fds, ','-separated).
constexpr char kActivatedVar[] = "APPSERVER_INHERIT_ACTIVATED";
// For the reload check: the sockets the running master holds, and where to write why it refuses.
constexpr char kCheckHeldVar[] = "APPSERVER_CHECK_HELD_SOCKETS";
constexpr char kCheckReportVar[] = "APPSERVER_CHECK_REPORT_FD";
// ... and the addresses its activated sockets are bound to (';'-separated), which a new configuration
// may name differently (":8000" for 0.0.0.0:8000): the new image takes them by address, not by spec.
constexpr char kCheckActivatedVar[] = "APPSERVER_CHECK_HELD_ACTIVATED";

// The bound address a ListenSocket's bound_name ("[::]:8000", "/run/app.sock") describes.
std::optional<BoundAddress> bound_from_name(const std::string& name) {
    std::string ignored;
    auto a = parse_listen_address(name, ignored);
    if (!a) return std::nullopt;
    if (a->is_unix) return BoundAddress{.family = AF_UNIX, .host = "", .port = 0, .unix_path = a->unix_path};
    int family = a->host.find(':') != std::string::npos ? AF_INET6 : AF_INET;
    return BoundAddress{.family = family, .host = a->host, .port = a->port, .unix_path = ""};
}

std::string socket_key(Protocol protocol, const std::string& spec) {
    return std::string(protocol == Protocol::uwsgi ? "uwsgi" : "http") + "," + spec;
}

LaunchContext g_launch;

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

std::vector<std::string> split(const std::string& text, char sep) {
    std::vector<std::string> parts;
    std::stringstream in(text);
    std::string part;
    while (std::getline(in, part, sep))
        if (!part.empty()) parts.push_back(part);
    return parts;
}

}  // namespace

void capture_launch(int argc, char** argv) {
    char exe[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
    g_launch.executable = n > 0 ? std::string(exe, static_cast<std::size_t>(n)) : std::string(argv[0]);
    for (int i = 0; i < argc; ++i) g_launch.argv.emplace_back(argv[i]);
    for (char** e = environ; *e; ++e) {
        std::string kv(*e);
        // What a previous image handed over is not part of the user's environment.
        if (kv.starts_with("APPSERVER_INHERIT_") || kv.starts_with("APPSERVER_GENERATION=")) continue;
        g_launch.environ.push_back(std::move(kv));
    }
    char cwd[PATH_MAX];
    if (::getcwd(cwd, sizeof cwd)) g_launch.cwd = cwd;
}

const LaunchContext& launch_context() { return g_launch; }

void forget_launch_variable(std::string_view name) {
    std::erase_if(g_launch.environ, [&](const std::string& kv) {
        return kv.size() > name.size() && kv.starts_with(name) && kv[name.size()] == '=';
    });
}

std::optional<Inheritance> take_inheritance() {
    const char* sockets = std::getenv(kSocketsVar);
    if (!sockets) return std::nullopt;
    Inheritance in;
    // Each socket: fd,protocol,spec (spec last: it may not contain ';' but may contain ',').
    for (const auto& entry : split(sockets, ';')) {
        auto c1 = entry.find(',');
        auto c2 = entry.find(',', c1 + 1);
        if (c1 == std::string::npos || c2 == std::string::npos) continue;
        InheritedSocket s;
        s.fd = std::atoi(entry.substr(0, c1).c_str());
        s.protocol = entry.substr(c1 + 1, c2 - c1 - 1) == "uwsgi" ? Protocol::uwsgi : Protocol::http;
        s.spec = entry.substr(c2 + 1);
        ::fcntl(s.fd, F_SETFD, FD_CLOEXEC);
        in.sockets.push_back(std::move(s));
    }
    if (const char* activated = std::getenv(kActivatedVar))
        for (const auto& text : split(activated, ','))
            for (InheritedSocket& s : in.sockets)
                if (s.fd == std::atoi(text.c_str())) {
                    s.activated = true;
                    if (auto bound = bound_address(s.fd)) s.bound = *bound;
                }
    if (const char* workers = std::getenv(kWorkersVar))
        for (const auto& text : split(workers, ',')) {
            pid_t pid = std::atoi(text.c_str());
            if (pid < 0) {
                in.old_workers.push_back(-pid);  // already retiring in the previous image
            } else if (pid > 0) {
                in.old_workers.push_back(pid);
                in.accepting.push_back(pid);
            }
        }
    if (const char* gen = std::getenv(kGenerationVar)) in.generation = std::atoi(gen);
    if (const char* ready = std::getenv(kReadyVar)) {
        auto comma = std::string_view(ready).find(',');
        if (comma != std::string_view::npos) {
            in.ready_read = std::atoi(ready);
            in.ready_write = std::atoi(ready + comma + 1);
            ::fcntl(in.ready_read, F_SETFD, FD_CLOEXEC);
            ::fcntl(in.ready_write, F_SETFD, FD_CLOEXEC);
        }
    }
    if (const char* status = std::getenv(kReloadStatusVar)) in.reload_status_file = status;
    ::unsetenv(kReloadStatusVar);
    ::unsetenv(kReadyVar);
    ::unsetenv(kActivatedVar);
    ::unsetenv(kSocketsVar);
    ::unsetenv(kWorkersVar);
    ::unsetenv(kGenerationVar);
    return in;
}

pid_t start_reload_check(const std::vector<ListenSocket>& held, UniqueFd& report, std::string& error) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) {
        error = log::syscall_error("pipe2", "", errno);  // out of descriptors, most likely
        return -1;
    }
    UniqueFd read_end(fds[0]), write_end(fds[1]);
    pid_t pid = fork_child(ChildRole::plain);
    if (pid < 0) error = log::syscall_error("fork", "", errno);
    if (pid != 0) {
        if (pid > 0) report = std::move(read_end);
        return pid;
    }
    std::vector<std::string> args = g_launch.argv;
    args.push_back("--check-config");
    std::vector<std::string> env = g_launch.environ;
    std::string held_list, activated_list;
    for (const auto& s : held) {
        held_list += socket_key(s.protocol, s.address.spec) + ";";
        if (s.activated) activated_list += s.bound_name + ";";
    }
    env.push_back(std::string(kCheckHeldVar) + "=" + held_list);
    if (!activated_list.empty()) env.push_back(std::string(kCheckActivatedVar) + "=" + activated_list);
    ::fcntl(write_end.get(), F_SETFD, 0);  // the one fd the check inherits
    env.push_back(std::string(kCheckReportVar) + "=" + std::to_string(write_end.get()));
    // What stops the check from running at all is its report too (a binary deleted or replaced by
    // an upgrade, a start directory gone): the reload is refused with the reason, not "see above".
    auto cannot_run = [&](const char* call, const std::string& path) {
        std::string line = log::syscall_error(call, path, errno) + ": the check of the new configuration cannot run\n";
        [[maybe_unused]] ssize_t n = ::write(write_end.get(), line.data(), line.size());
        ::_exit(127);
    };
    if (!g_launch.cwd.empty() && ::chdir(g_launch.cwd.c_str()) != 0) cannot_run("chdir", g_launch.cwd);
    auto argv = c_strings(args);
    auto envp = c_strings(env);
    ::execve(g_launch.executable.c_str(), argv.data(), envp.data());
    cannot_run("execve", g_launch.executable);
    ::_exit(127);  // not reached
}

bool reexec(const std::vector<ListenSocket>& sockets, const std::vector<pid_t>& workers, int generation,
            int ready_read, int ready_write, const std::string& reload_status_file, std::string& error) {
    std::string socket_list, activated_list;
    for (const auto& s : sockets) {
        int fd = s.fd.get();
        // The one thing that must survive exec: the listening sockets stay open, so the kernel
        // keeps queueing connections while the new image starts.
        ::fcntl(fd, F_SETFD, 0);
        socket_list += std::to_string(fd) + "," + (s.protocol == Protocol::uwsgi ? "uwsgi" : "http") + "," +
                       s.address.spec + ";";
        if (s.activated) activated_list += std::to_string(fd) + ",";
    }
    std::string worker_list;
    for (pid_t pid : workers) worker_list += std::to_string(pid) + ",";
    std::vector<std::string> env = g_launch.environ;
    env.push_back(std::string(kSocketsVar) + "=" + socket_list);
    env.push_back(std::string(kWorkersVar) + "=" + worker_list);
    env.push_back(std::string(kGenerationVar) + "=" + std::to_string(generation));
    if (!activated_list.empty()) env.push_back(std::string(kActivatedVar) + "=" + activated_list);
    if (!reload_status_file.empty()) env.push_back(std::string(kReloadStatusVar) + "=" + reload_status_file);
    if (ready_read >= 0 && ready_write >= 0) {
        ::fcntl(ready_read, F_SETFD, 0);
        ::fcntl(ready_write, F_SETFD, 0);
        env.push_back(std::string(kReadyVar) + "=" + std::to_string(ready_read) + "," + std::to_string(ready_write));
    }
    std::vector<std::string> args = g_launch.argv;
    auto argv = c_strings(args);
    auto envp = c_strings(env);
    if (!g_launch.cwd.empty() && ::chdir(g_launch.cwd.c_str()) != 0) {
        error = log::syscall_error("chdir", g_launch.cwd, errno);
    } else {
        spdlog::default_logger()->flush();
        // Pending until the new image has installed its signal queue (first thing in run_server).
        sigset_t before = block_for_exec();
        ::execve(g_launch.executable.c_str(), argv.data(), envp.data());
        error = log::syscall_error("execve", g_launch.executable, errno);
        restore_signal_mask(before);
    }
    for (const auto& s : sockets) ::fcntl(s.fd.get(), F_SETFD, FD_CLOEXEC);
    if (ready_read >= 0) ::fcntl(ready_read, F_SETFD, FD_CLOEXEC);
    if (ready_write >= 0) ::fcntl(ready_write, F_SETFD, FD_CLOEXEC);
    return false;
}

}  // namespace appserver

namespace appserver {

bool check_new_sockets_bind(std::vector<ListenSocket>& planned, int backlog,
                            const UnixSocketAccess& unix_access, std::string& error) {
    const char* held = std::getenv(kCheckHeldVar);
    if (!held) return true;
    std::vector<std::string> held_keys = split(held, ';');
    std::vector<BoundAddress> activated;
    if (const char* names = std::getenv(kCheckActivatedVar))
        for (const auto& name : split(names, ';'))
            if (auto bound = bound_from_name(name)) activated.push_back(*bound);
    for (auto& s : planned) {
        if (std::find(held_keys.begin(), held_keys.end(), socket_key(s.protocol, s.address.spec)) !=
            held_keys.end())
            continue;
        if (std::any_of(activated.begin(), activated.end(),
                        [&](const BoundAddress& b) { return address_matches(s.address, b); }))
            continue;  // systemd's socket, which the new image takes by address
        // A new address: the reload would bind it; find out now, while nothing has changed.
        if (!open_listen_socket(s, backlog, unix_access, error)) return false;
        s.fd.reset();
        if (s.address.is_unix) ::unlink(s.address.unix_path.c_str());
    }
    return true;
}

void report_reload_check_failure(const std::string& line) {
    const char* fd = std::getenv(kCheckReportVar);
    if (!fd) return;
    std::string text = line + "\n";
    [[maybe_unused]] ssize_t n = ::write(std::atoi(fd), text.data(), text.size());
}

}  // namespace appserver
