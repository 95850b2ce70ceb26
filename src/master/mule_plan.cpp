#include "master/mule_plan.h"

#include <algorithm>
#include <charconv>

namespace appserver {

std::string mule_program(const std::string& value) {
    bool script = value.size() > 3 && value.ends_with(".py");
    if (script || value.find(':') != std::string::npos) return value;
    return {};
}

bool plan_mules(const Options& options, MulePlan& plan, std::string& error) {
    plan = MulePlan{};
    for (const std::string& value : options.mule) plan.mules.push_back(mule_program(value));
    for (int i = 0; i < options.mules; ++i) plan.mules.emplace_back();
    plan.msg_size = options.mule_msg_size;
    plan.recv_size =
        options.mule_msg_recv_size > 0 ? static_cast<std::size_t>(options.mule_msg_recv_size) : 65536;
    plan.reload_mercy_s = options.mule_reload_mercy;
    plan.touch_reload = options.touch_mules_reload;
    const int count = static_cast<int>(plan.mules.size());
    for (const std::string& value : options.farm) {
        auto colon = value.find(':');
        if (colon == std::string::npos || colon == 0) {
            error = "farm = " + value + ": expected NAME:MULE_ID[,MULE_ID...]";
            return false;
        }
        FarmPlan farm{.name = value.substr(0, colon), .mules = {}};
        if (std::any_of(plan.farms.begin(), plan.farms.end(),
                        [&](const FarmPlan& f) { return f.name == farm.name; })) {
            error = "farm = " + value + ": farm " + farm.name + " is defined twice";
            return false;
        }
        std::string_view ids = std::string_view(value).substr(colon + 1);
        while (!ids.empty()) {
            std::string_view token = ids.substr(0, ids.find(','));
            ids.remove_prefix(std::min(ids.size(), token.size() + 1));
            if (token.empty()) continue;
            int id = 0;
            auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), id);
            if (ec != std::errc() || end != token.data() + token.size() || id < 1 || id > count) {
                error = "farm = " + value + ": invalid mule id " + std::string(token) + " (there " +
                        (count == 1 ? "is 1 mule" : "are " + std::to_string(count) + " mules") + ")";
                return false;
            }
            if (std::find(farm.mules.begin(), farm.mules.end(), id) == farm.mules.end())
                farm.mules.push_back(id);
        }
        if (farm.mules.empty()) {
            error = "farm = " + value + ": no mule id";
            return false;
        }
        plan.farms.push_back(std::move(farm));
    }
    return true;
}

}  // namespace appserver
