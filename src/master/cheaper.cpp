#include "master/cheaper.h"

#include <algorithm>

namespace appserver {

int Cheaper::decide(const CheaperView& view) {
    if (!settings_.enabled()) return 0;
    return settings_.algo == CheaperSettings::Algo::backlog ? backlog(view) : spare(view);
}

int Cheaper::spare(const CheaperView& view) {
    bool all_busy = view.active > 0 && view.busy >= view.active;
    if (all_busy) {
        ++overload_count_;
        idle_count_ = 0;
    } else if (overload_count_ > 0) {
        --overload_count_;
    }
    if (view.cheap > 0 && overload_count_ >= static_cast<unsigned long>(settings_.overload)) {
        overload_count_ = 0;
        return std::min(settings_.step, view.cheap);
    }
    if (overload_count_ != 0) return 0;
    // Stable: exactly one spare worker; nothing to do.
    if (view.active > view.busy && view.active - view.busy == 1) return 0;
    ++idle_count_;
    if (view.active > settings_.min_workers && idle_count_ % static_cast<unsigned long>(settings_.overload) == 0)
        return -1;
    return 0;
}

int Cheaper::backlog(const CheaperView& view) {
    if (view.cheap > 0 && view.backlog > settings_.overload) return std::min(settings_.step, view.cheap);
    if (view.backlog < settings_.overload && view.active > settings_.min_workers) return -1;
    return 0;
}

}  // namespace appserver
