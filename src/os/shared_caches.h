#pragma once
// Every shared cache of the instance, by name, made by the master before it forks (workers inherit
// them). The Python plugin reaches them through include/appserver/api_cache.h.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/cache_spec.h"
#include "os/shared_cache.h"

namespace appserver {

class SharedCaches {
public:
    // Null with one line in `error` when a cache cannot be made. The newest becomes current().
    static std::unique_ptr<SharedCaches> create(const std::vector<config::CacheSpec>& specs, std::string& error);
    ~SharedCaches();
    SharedCaches(const SharedCaches&) = delete;
    SharedCaches& operator=(const SharedCaches&) = delete;

    static SharedCaches* current();

    // nullopt: the first cache. Null when there is none of that name.
    SharedCache* find(std::optional<std::string_view> name);
    std::size_t count() const { return caches_.size(); }

private:
    SharedCaches() = default;
    std::vector<std::unique_ptr<SharedCache>> caches_;
};

}  // namespace appserver
