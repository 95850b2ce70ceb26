#pragma once
// What the `uwsgi` module's mule functions need from the core (uWSGI's mule_msg, mule_get_msg,
// farm_msg, farm_get_msg, mule_id, in_farm). The queues are socketpairs the master makes before it
// forks anything (src/master/mule_queues.*), so workers, mules and the master can all send. Plain
// C++: the plugin calls these without holding its interpreter lock around the blocking ones.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace appserver::api {

// This process's mule id, 1..; 0 outside a mule (a worker, the master).
int mule_id();
// Mules configured (0: mule_msg has nowhere to send).
int mule_count();
bool farm_exists(std::string_view farm);
// True when this process is a mule in `farm` (any farm when empty).
bool in_farm(std::string_view farm);
// What mule `id` runs (`mule = VALUE`); nullopt for a bare mule or an unknown id.
std::optional<std::string> mule_file(int id);
// mule-msg-recv-size: the buffer of a bare mule's message loop.
std::size_t mule_msg_recv_size();

enum class SendResult {
    sent,
    full,    // the queue has no room: logged ("MULE MSG QUEUE IS FULL"), never waited for
    failed,  // too big for the socket buffer, no such queue...: logged
};
// To mule `id`, or to whichever mule reads first when id is 0 (the shared queue). Never blocks.
SendResult send_to_mule(int id, std::string_view message);
// To whichever member of `farm` reads first. Never blocks.
SendResult send_to_farm(std::string_view farm, std::string_view message);

struct Received {
    enum class Kind { message, signal, timeout, error } kind = Kind::error;
    std::string data;  // a message (cut at the buffer size, as a datagram read is)
    int signum = -1;   // kind == signal: already handed to the signal runner
};
// In a mule: waits (timeout_ms < 0: forever) for a message on its own queue, the shared queue and,
// with `farms`, its farms' queues; with `signals`, a signal byte on its signal channels is handed to
// the signal runner and Kind::signal is returned (uWSGI's mule_get_msg then returns None).
// Kind::error outside a mule. Blocking: call without the interpreter lock.
Received mule_receive(bool signals, bool farms, std::size_t buffer_size, int timeout_ms);
// In a mule: waits for a message on its farms' queues only (uWSGI's farm_get_msg).
Received farm_receive(std::size_t buffer_size, int timeout_ms);

// How a mule runs a uWSGI signal it received (the signal framework sets it; until then a signal
// is logged and dropped). Called on the thread that waits in mule_receive, without the
// interpreter lock: the runner takes it itself.
using MuleSignalRunner = void (*)(int signum);
void set_mule_signal_runner(MuleSignalRunner runner);

}  // namespace appserver::api
