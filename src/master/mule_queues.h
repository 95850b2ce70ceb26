#pragma once
// The mules' message queues and signal channels: one socketpair each, made by the master before it
// forks anything, so every worker, mule and the master itself can send to any of them and a mule
// that is killed and started again finds the messages queued meanwhile (the master keeps both ends).
//
// As uWSGI: a queue per mule, one shared by all mules (mule_msg(msg) / mule id 0: whichever mule
// reads first), one per farm (shared by its members); a signal channel per mule and one shared.
// SOCK_SEQPACKET (uWSGI's choice on Linux): one message per send, never merged or split, and a full
// queue refuses a send (EAGAIN) instead of blocking the sender.

#include <string>
#include <utility>
#include <vector>

#include "master/mule_plan.h"
#include "os/unique_fd.h"

namespace appserver {

struct MuleChannel {
    UniqueFd send;     // written by senders (any process)
    UniqueFd receive;  // read by the mule(s)
};

class MuleQueues {
public:
    MuleQueues() = default;
    ~MuleQueues();
    MuleQueues(const MuleQueues&) = delete;
    MuleQueues& operator=(const MuleQueues&) = delete;

    // Makes every queue and channel of `plan` and becomes current(). False: `error` names the call.
    bool create(const MulePlan& plan, std::string& error);
    // The instance of this process (inherited through fork); null when no mules are configured.
    static MuleQueues* current();

    const MulePlan& plan() const { return plan_; }
    int count() const { return static_cast<int>(plan_.mules.size()); }
    // In a mule's process, right after fork: which mule this process is.
    void enter_mule(int id) { my_id_ = id; }
    // After fork, in a worker (0) or mule `id`: closes the reading ends that are not its own (other
    // mules' queues and channels, farms it is not in; all of them in a worker), as uWSGI does. Every
    // sending end stays: any process may send to any mule. The master keeps everything, so queued
    // messages survive a mule's restart.
    void close_others(int id);
    int my_id() const { return my_id_; }

    // id 1..count; 0: the shared queue.
    const MuleChannel& queue(int id) const {
        return id == 0 ? shared_queue_ : mules_[static_cast<std::size_t>(id - 1)].queue;
    }
    const MuleChannel& signal_channel(int id) const {
        return id == 0 ? shared_signal_ : mules_[static_cast<std::size_t>(id - 1)].signal;
    }
    // -1 when there is no such farm.
    int farm_index(std::string_view name) const;
    const MuleChannel& farm_queue(int index) const { return farms_[static_cast<std::size_t>(index)]; }
    bool farm_has(int index, int mule_id) const;

    // For the signal dispatcher (uWSGI targets "muleN", "mule", "mules"): (mule id, the fd the
    // master writes one byte, the signal number, to); id 0 is the shared channel any one mule reads.
    // A mule's loop (api::mule_receive) wakes on its own channel and on the shared one.
    std::vector<std::pair<int, int>> signal_channels() const;

private:
    struct PerMule {
        MuleChannel queue;
        MuleChannel signal;
    };
    MulePlan plan_;
    std::vector<PerMule> mules_;
    MuleChannel shared_queue_;
    MuleChannel shared_signal_;
    std::vector<MuleChannel> farms_;
    int my_id_ = 0;
};

}  // namespace appserver
