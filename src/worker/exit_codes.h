#pragma once
// How a worker tells the master about itself: its exit code says why it left, and the ready pipe
// (one pid_t per message, written atomically) says how far it got.

#include <sys/types.h>

namespace appserver {

inline constexpr int kWorkerRecycled = 0;    // max-requests, reload-on-rss, graceful stop: respawn at once
inline constexpr int kWorkerBootFailed = 3;  // e.g. the app failed to import in lazy-apps mode: back off
inline constexpr int kWorkerHarakiri = 4;    // killed itself over a stuck request: respawn at once

// Ready pipe messages. `pid`: the worker serves (a later death is no boot failure). `-pid`: the
// worker stopped accepting (recycling or stopping): the master refills its slot at once and gives
// it worker-reload-mercy seconds to finish, then kills it.
inline constexpr pid_t ready_message(pid_t pid) { return pid; }
inline constexpr pid_t retiring_message(pid_t pid) { return -pid; }

}  // namespace appserver
