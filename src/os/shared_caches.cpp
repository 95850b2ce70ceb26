#include "os/shared_caches.h"

#include <spdlog/spdlog.h>

#include "appserver/api_cache.h"
#include "os/monotonic_clock.h"

namespace appserver {
namespace {

SharedCaches* g_current = nullptr;

std::string join(const std::vector<std::string>& words) {
    std::string out;
    for (const std::string& w : words) out += (out.empty() ? "" : ", ") + w;
    return out;
}

}  // namespace

std::unique_ptr<SharedCaches> SharedCaches::create(const std::vector<config::CacheSpec>& specs, std::string& error) {
    std::unique_ptr<SharedCaches> set(new SharedCaches);
    for (const config::CacheSpec& spec : specs) {
        auto cache = SharedCache::create(spec, error);
        if (!cache) return nullptr;
        spdlog::info("cache \"{}\": {} items of up to {} bytes, keys up to {} bytes{}", spec.name, spec.items,
                     spec.blocksize, spec.keysize, spec.purge_lru ? ", least recently used purged when full" : "");
        if (!spec.ignored.empty())
            spdlog::warn("cache \"{}\": {} not supported here, ignored (see docs/uwsgi-api.md)", spec.name,
                         join(spec.ignored));
        set->caches_.push_back(std::move(cache));
    }
    g_current = set.get();
    return set;
}

SharedCaches::~SharedCaches() {
    if (g_current == this) g_current = nullptr;
}

SharedCaches* SharedCaches::current() { return g_current; }

SharedCache* SharedCaches::find(std::optional<std::string_view> name) {
    if (caches_.empty()) return nullptr;
    if (!name) return caches_.front().get();
    for (auto& cache : caches_)
        if (cache->name() == *name) return cache.get();
    return nullptr;
}

namespace api {
namespace {

SharedCache* find(CacheName cache) {
    SharedCaches* caches = SharedCaches::current();
    return caches ? caches->find(cache) : nullptr;
}

}  // namespace

bool cache_configured(CacheName cache) { return find(cache) != nullptr; }

std::optional<std::string> cache_get(std::string_view key, CacheName cache) {
    SharedCache* c = find(cache);
    return c ? c->get(key, monotonic_ms()) : std::nullopt;
}

bool cache_set(std::string_view key, std::string_view value, std::uint64_t expires, CacheName cache) {
    SharedCache* c = find(cache);
    return c && c->set(key, value, expires, monotonic_ms());
}

bool cache_update(std::string_view key, std::string_view value, std::uint64_t expires, CacheName cache) {
    SharedCache* c = find(cache);
    return c && c->update(key, value, expires, monotonic_ms());
}

bool cache_exists(std::string_view key, CacheName cache) {
    SharedCache* c = find(cache);
    return c && c->exists(key, monotonic_ms());
}

bool cache_del(std::string_view key, CacheName cache) {
    SharedCache* c = find(cache);
    return c && c->remove(key, monotonic_ms());
}

bool cache_clear(CacheName cache) {
    SharedCache* c = find(cache);
    return c && c->clear();
}

std::optional<std::vector<std::string>> cache_keys(CacheName cache) {
    SharedCache* c = find(cache);
    if (!c) return std::nullopt;
    return c->keys(monotonic_ms());
}

}  // namespace api
}  // namespace appserver
