#pragma once
// Which mules and farms a configuration asks for (`mule`, `mules`, `farm`), checked before anything
// is forked. Pure: no process or socket is touched.

#include <string>
#include <vector>

#include "appserver/options.h"

namespace appserver {

struct FarmPlan {
    std::string name;
    std::vector<int> mules;  // ids, 1-based, in the order given
};

struct MulePlan {
    // One entry per mule, id = index + 1: what it runs (FILE.py, module:callable, or anything else,
    // e.g. the bare value "true": the message loop).
    std::vector<std::string> mules;
    std::vector<FarmPlan> farms;
    int msg_size = 0;
    std::size_t recv_size = 65536;
    int reload_mercy_s = 60;
    std::vector<std::string> touch_reload;  // touch-mules-reload
};

// False: `error` names the bad entry (a farm without `:`, an unknown mule id, a duplicate name),
// as uWSGI refuses to start on them.
bool plan_mules(const Options& options, MulePlan& plan, std::string& error);

// What a mule's value asks it to run: uWSGI's rule (python plugin): `.py` suffix -> a script,
// a `:` -> module:callable, anything else -> the message loop ("").
std::string mule_program(const std::string& value);

}  // namespace appserver
