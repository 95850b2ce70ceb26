// appserver::api mule functions (include/appserver/api_mules.h) over the queues the master made
// (MuleQueues::current(), inherited by every process it forks).

#include "appserver/api_mules.h"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <vector>

#include "log/log.h"
#include "master/mule_queues.h"

namespace appserver::api {
namespace {

MuleSignalRunner g_signal_runner = nullptr;

SendResult send_on(int fd, std::string_view message, const std::string& target) {
    ssize_t n = ::send(fd, message.data(), message.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n == static_cast<ssize_t>(message.size())) return SendResult::sent;
    int err = errno;
    if (n >= 0) {
        spdlog::error("mule message to {}: {} of {} bytes sent", target, n, message.size());
        return SendResult::failed;
    }
    if (err == EAGAIN || err == EWOULDBLOCK) {
        int size = 0;
        socklen_t len = sizeof size;
        ::getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, &len);
        spdlog::error(
            "*** MULE MSG QUEUE IS FULL: buffer size {} bytes (you can tune it with --mule-msg-size) *** "
            "({}, message of {} bytes dropped)",
            size, target, message.size());
        return SendResult::full;
    }
    spdlog::error(
        "{}",
        log::syscall_error(
            "send", "mule message to " + target + " (" + std::to_string(message.size()) + " bytes)", err));
    return SendResult::failed;
}

enum class Source { message, signal };

struct Waited {
    int fd;
    Source source;
};

// Polls `fds` until one gives a message or a signal byte, or the time is up. Several mules may poll
// one shared queue: the one that finds it empty again (EAGAIN) goes back to waiting.
Received wait_on(const std::vector<Waited>& fds, std::size_t buffer_size, int timeout_ms) {
    using Clock = std::chrono::steady_clock;
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
    std::vector<pollfd> set;
    for (const Waited& w : fds) set.push_back({w.fd, POLLIN, 0});
    std::string buffer(buffer_size > 0 ? buffer_size : 1, '\0');
    for (;;) {
        int wait_ms = -1;
        if (timeout_ms >= 0) {
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
            if (left < 0) left = 0;
            wait_ms = static_cast<int>(left);
        }
        int ready = ::poll(set.data(), set.size(), wait_ms);
        if (ready < 0) {
            if (errno == EINTR) continue;
            spdlog::error("{}", log::syscall_error("poll", "mule queues", errno));
            return {};
        }
        if (ready == 0) return {.kind = Received::Kind::timeout, .data = {}, .signum = -1};
        for (std::size_t i = 0; i < set.size(); ++i) {
            if ((set[i].revents & (POLLIN | POLLERR | POLLHUP)) == 0) continue;
            ssize_t n = ::recv(set[i].fd, buffer.data(), fds[i].source == Source::signal ? 1 : buffer.size(),
                               MSG_DONTWAIT);
            if (n < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                    continue;  // another mule took it
                spdlog::error("{}", log::syscall_error("recv", "mule queue", errno));
                return {};
            }
            if (fds[i].source == Source::message)
                return {.kind = Received::Kind::message,
                        .data = buffer.substr(0, static_cast<std::size_t>(n)),
                        .signum = -1};
            if (n == 0) continue;
            int signum = static_cast<unsigned char>(buffer[0]);
            if (g_signal_runner != nullptr)
                g_signal_runner(signum);
            else
                spdlog::warn("mule {}: uWSGI signal {} received, no signal handler runner is installed",
                             mule_id(), signum);
            return {.kind = Received::Kind::signal, .data = {}, .signum = signum};
        }
    }
}

}  // namespace

int mule_id() {
    const MuleQueues* q = MuleQueues::current();
    return q ? q->my_id() : 0;
}

int mule_count() {
    const MuleQueues* q = MuleQueues::current();
    return q ? q->count() : 0;
}

bool farm_exists(std::string_view farm) {
    const MuleQueues* q = MuleQueues::current();
    return q && q->farm_index(farm) >= 0;
}

bool in_farm(std::string_view farm) {
    const MuleQueues* q = MuleQueues::current();
    if (q == nullptr || q->my_id() == 0) return false;
    for (std::size_t i = 0; i < q->plan().farms.size(); ++i)
        if ((farm.empty() || q->plan().farms[i].name == farm) && q->farm_has(static_cast<int>(i), q->my_id()))
            return true;
    return false;
}

std::optional<std::string> mule_file(int id) {
    const MuleQueues* q = MuleQueues::current();
    if (q == nullptr || id < 1 || id > q->count()) return std::nullopt;
    const std::string& program = q->plan().mules[static_cast<std::size_t>(id - 1)];
    if (program.empty()) return std::nullopt;
    return program;
}

std::size_t mule_msg_recv_size() {
    const MuleQueues* q = MuleQueues::current();
    return q ? q->plan().recv_size : 65536;
}

SendResult send_to_mule(int id, std::string_view message) {
    const MuleQueues* q = MuleQueues::current();
    if (q == nullptr || id < 0 || id > q->count()) return SendResult::failed;
    return send_on(q->queue(id).send.get(), message,
                   id == 0 ? std::string("any mule") : "mule " + std::to_string(id));
}

SendResult send_to_farm(std::string_view farm, std::string_view message) {
    const MuleQueues* q = MuleQueues::current();
    int index = q ? q->farm_index(farm) : -1;
    if (index < 0) return SendResult::failed;
    return send_on(q->farm_queue(index).send.get(), message, "farm " + std::string(farm));
}

Received mule_receive(bool signals, bool farms, std::size_t buffer_size, int timeout_ms) {
    const MuleQueues* q = MuleQueues::current();
    if (q == nullptr || q->my_id() == 0) return {};
    int me = q->my_id();
    // uWSGI's order: this mule's queue, the shared one, the signal channels, the farms.
    std::vector<Waited> fds = {{q->queue(me).receive.get(), Source::message},
                               {q->queue(0).receive.get(), Source::message}};
    if (signals) {
        fds.push_back({q->signal_channel(me).receive.get(), Source::signal});
        fds.push_back({q->signal_channel(0).receive.get(), Source::signal});
    }
    if (farms)
        for (std::size_t i = 0; i < q->plan().farms.size(); ++i)
            if (q->farm_has(static_cast<int>(i), me))
                fds.push_back({q->farm_queue(static_cast<int>(i)).receive.get(), Source::message});
    return wait_on(fds, buffer_size, timeout_ms);
}

Received farm_receive(std::size_t buffer_size, int timeout_ms) {
    const MuleQueues* q = MuleQueues::current();
    if (q == nullptr || q->my_id() == 0) return {};
    std::vector<Waited> fds;
    for (std::size_t i = 0; i < q->plan().farms.size(); ++i)
        if (q->farm_has(static_cast<int>(i), q->my_id()))
            fds.push_back({q->farm_queue(static_cast<int>(i)).receive.get(), Source::message});
    if (fds.empty()) return {};
    return wait_on(fds, buffer_size, timeout_ms);
}

void set_mule_signal_runner(MuleSignalRunner runner) { g_signal_runner = runner; }

}  // namespace appserver::api
