#pragma once
// `cheaper-algo`: the names config validation checks and the master's cheaper unit
// (src/master/cheaper.*) runs.

#include <string>

namespace appserver {

enum class CheaperAlgo { spare, backlog };

// "spare" (or empty), "backlog"; "busyness" (pip's plugin) and "spare2" fall back to spare with
// `note` set; anything else is an error (false, with `error`).
bool parse_cheaper_algo(const std::string& name, CheaperAlgo& algo, std::string& note, std::string& error);

}  // namespace appserver
