#include "master/mule_queues.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "log/log.h"

namespace appserver {
namespace {

MuleQueues* g_current = nullptr;

// Non-blocking on both ends: a sender never waits for room, and several mules polling one shared
// queue may find it already emptied by another (EAGAIN: wait again).
bool make_channel(MuleChannel& out, int buffer, const std::string& what, std::string& error) {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
        error = log::syscall_error("socketpair", what, errno);
        return false;
    }
    out.send.reset(fds[0]);
    out.receive.reset(fds[1]);
    if (buffer > 0) {
        for (int fd : fds)
            for (int option : {SO_SNDBUF, SO_RCVBUF})
                if (::setsockopt(fd, SOL_SOCKET, option, &buffer, sizeof buffer) != 0) {
                    error = log::syscall_error("setsockopt", what + " (mule-msg-size)", errno);
                    return false;
                }
    }
    return true;
}

}  // namespace

MuleQueues::~MuleQueues() {
    if (g_current == this) g_current = nullptr;
}

MuleQueues* MuleQueues::current() { return g_current; }

bool MuleQueues::create(const MulePlan& plan, std::string& error) {
    plan_ = plan;
    if (plan_.mules.empty()) return true;
    mules_.resize(plan_.mules.size());
    if (!make_channel(shared_queue_, plan_.msg_size, "shared mule queue", error) ||
        !make_channel(shared_signal_, 0, "shared mule signal channel", error))
        return false;
    for (std::size_t i = 0; i < mules_.size(); ++i) {
        std::string name = "mule " + std::to_string(i + 1);
        if (!make_channel(mules_[i].queue, plan_.msg_size, name + " queue", error) ||
            !make_channel(mules_[i].signal, 0, name + " signal channel", error))
            return false;
    }
    farms_.resize(plan_.farms.size());
    for (std::size_t i = 0; i < farms_.size(); ++i)
        if (!make_channel(farms_[i], plan_.msg_size, "farm " + plan_.farms[i].name + " queue", error))
            return false;
    g_current = this;
    return true;
}

int MuleQueues::farm_index(std::string_view name) const {
    for (std::size_t i = 0; i < plan_.farms.size(); ++i)
        if (plan_.farms[i].name == name) return static_cast<int>(i);
    return -1;
}

bool MuleQueues::farm_has(int index, int mule_id) const {
    const std::vector<int>& ids = plan_.farms[static_cast<std::size_t>(index)].mules;
    return std::find(ids.begin(), ids.end(), mule_id) != ids.end();
}

void MuleQueues::close_others(int id) {
    for (std::size_t i = 0; i < mules_.size(); ++i) {
        if (static_cast<int>(i) + 1 == id) continue;
        mules_[i].queue.receive.reset();
        mules_[i].signal.receive.reset();
    }
    if (id == 0) {
        shared_queue_.receive.reset();
        shared_signal_.receive.reset();
    }
    for (std::size_t i = 0; i < farms_.size(); ++i)
        if (!farm_has(static_cast<int>(i), id)) farms_[i].receive.reset();
}

std::vector<std::pair<int, int>> MuleQueues::signal_channels() const {
    std::vector<std::pair<int, int>> out;
    if (mules_.empty()) return out;
    out.emplace_back(0, shared_signal_.send.get());
    for (std::size_t i = 0; i < mules_.size(); ++i)
        out.emplace_back(static_cast<int>(i + 1), mules_[i].signal.send.get());
    return out;
}

}  // namespace appserver
