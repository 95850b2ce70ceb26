#pragma once
// Exit codes a worker uses to tell the master why it left.

namespace appserver {

inline constexpr int kWorkerRecycled = 0;    // max-requests, reload-on-rss, graceful stop: respawn at once
inline constexpr int kWorkerBootFailed = 3;  // e.g. the app failed to import in lazy-apps mode: back off
inline constexpr int kWorkerHarakiri = 4;    // killed itself over a stuck request: respawn at once

}  // namespace appserver
