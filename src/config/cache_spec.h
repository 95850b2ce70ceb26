#pragma once
// What one shared cache looks like, from `cache2 = name=NAME,items=N,...` (uWSGI's keyval syntax)
// or the legacy `cache = N` (+ `cache-blocksize`), which is the cache called "default".

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "appserver/options.h"

namespace appserver::config {

struct CacheSpec {
    std::string name;
    std::uint64_t items = 0;          // how many keys it holds
    std::uint64_t blocksize = 65536;  // the largest value, bytes (uWSGI's default: 64 KiB)
    std::uint64_t keysize = 2048;     // the longest key, bytes (uWSGI's default)
    std::uint64_t hashsize = 65536;   // buckets of the key index (uWSGI's default)
    bool purge_lru = false;           // when full, drop the least recently used key instead of failing
    std::vector<std::string> ignored;  // uWSGI keys read but not acted on (store, nodes, bitmap...)
};

// One `cache2` value; nullopt with `error` ("cache2 \"...\": ...") when it is not usable.
std::optional<CacheSpec> parse_cache2(std::string_view text, std::string& error);

// Every cache the options ask for, in uWSGI's order (the legacy `cache` first, then each `cache2`);
// false with `error` on a bad definition or a name used twice.
bool cache_specs(const Options& options, std::vector<CacheSpec>& out, std::string& error);

}  // namespace appserver::config
