#pragma once
// The shared caches (uWSGI's cache2 / cache): what uwsgi.cache_* reach. `cache` names one; nullopt
// means the first cache configured (uWSGI's default). A name that does not exist behaves as an
// empty cache that refuses every write, as uWSGI. Calls take the cache's lock: call them without
// any interpreter lock held.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace appserver::api {

using CacheName = std::optional<std::string_view>;

// True when the instance has a cache of that name (nullopt: any cache at all).
bool cache_configured(CacheName cache);

std::optional<std::string> cache_get(std::string_view key, CacheName cache);
// Adds a key that is not there yet; expires: seconds from now, 0 never. False: refused (exists,
// empty or too long key, empty or too large value, full, no such cache).
bool cache_set(std::string_view key, std::string_view value, std::uint64_t expires, CacheName cache);
// As cache_set, overwriting an existing key.
bool cache_update(std::string_view key, std::string_view value, std::uint64_t expires, CacheName cache);
bool cache_exists(std::string_view key, CacheName cache);
bool cache_del(std::string_view key, CacheName cache);
bool cache_clear(CacheName cache);
// Every live key; nullopt when there is no such cache.
std::optional<std::vector<std::string>> cache_keys(CacheName cache);

}  // namespace appserver::api
