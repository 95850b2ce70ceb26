#pragma once
// uWSGI's cheaper subsystem (adaptive worker count; docs/processes.md): `processes` is the most,
// `cheaper` the fewest workers. The arbiter asks once a second (uWSGI's master cycle) and spawns or
// stops workers as the answer says. Pure: the state of the workers is an argument.
//   spare (default): when every worker is busy for `cheaper-overload` cycles, start up to
//     `cheaper-step` more; when workers are idle, stop the idlest one every `cheaper-overload`
//     cycles, down to `cheaper`, keeping one spare (uWSGI's core/master_utils.c algorithm).
//   backlog: start more when the listen queue holds more than `cheaper-overload` connections,
//     stop one per cycle when it holds fewer.

#include "config/cheaper_algo.h"

namespace appserver {

struct CheaperSettings {
    int min_workers = 0;  // `cheaper`; 0: off (the worker count is fixed)
    int initial = 0;      // `cheaper-initial`: workers at start (0: min_workers)
    int step = 1;         // `cheaper-step`
    int overload = 3;     // `cheaper-overload`: cycles (spare) or queued connections (backlog)
    using Algo = CheaperAlgo;
    Algo algo = Algo::spare;
    bool enabled() const { return min_workers > 0; }
};

// What the arbiter sees in one cycle.
struct CheaperView {
    int active = 0;    // workers running (not cheap)
    int busy = 0;      // of those, the ones in a request
    int cheap = 0;     // slots without a worker that may be started
    int backlog = 0;   // connections waiting in the listen queues
};

class Cheaper {
public:
    explicit Cheaper(CheaperSettings settings) : settings_(settings) {}
    const CheaperSettings& settings() const { return settings_; }
    // > 0: start that many workers; -1: stop one (the idlest); 0: nothing.
    int decide(const CheaperView& view);

private:
    int spare(const CheaperView& view);
    int backlog(const CheaperView& view);
    CheaperSettings settings_;
    unsigned long overload_count_ = 0;
    unsigned long idle_count_ = 0;
};

}  // namespace appserver
