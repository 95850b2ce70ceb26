#include "config/cheaper_algo.h"

namespace appserver {

bool parse_cheaper_algo(const std::string& name, CheaperAlgo& algo, std::string& note, std::string& error) {
    note.clear();
    if (name.empty() || name == "spare") {
        algo = CheaperAlgo::spare;
    } else if (name == "backlog") {
        algo = CheaperAlgo::backlog;
    } else if (name == "busyness" || name == "spare2") {
        algo = CheaperAlgo::spare;
        note = "cheaper-algo " + name + " is not built in: using spare (docs/processes.md)";
    } else {
        error = "option cheaper-algo: \"" + name + "\" is not a cheaper algorithm (spare, backlog)";
        return false;
    }
    return true;
}

}  // namespace appserver
