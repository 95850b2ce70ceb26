#pragma once
// One shared cache (uWSGI's cache2): a fixed number of items, each with a key of at most keysize
// bytes and a value of at most blocksize bytes (one block per item), in one shared mapping made by
// the master before it forks, so every worker sees the same keys and the cache outlives any worker.
// A key index (hash buckets chained through the items), a stack of free items and a
// least-recently-used list live in the mapping too, as 32-bit item numbers (no pointers).
// One robust process-shared mutex guards it all: a worker that dies while changing the cache
// leaves it to the next locker, which empties it (its links may be half-written) and says so.
//
// Times (`now`) are milliseconds on a clock the caller gives (the same clock in every process);
// expiries are given in seconds, as uWSGI's.

#include <pthread.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/cache_spec.h"
#include "os/shared_memory.h"

namespace appserver {

class SharedCache {
public:
    // Null with one line in `error` when the mapping or its mutex cannot be made.
    static std::unique_ptr<SharedCache> create(const config::CacheSpec& spec, std::string& error);
    SharedCache(const SharedCache&) = delete;
    SharedCache& operator=(const SharedCache&) = delete;

    const std::string& name() const { return spec_.name; }
    const config::CacheSpec& spec() const { return spec_; }

    // The value of `key`; nullopt when there is none or it expired.
    std::optional<std::string> get(std::string_view key, std::int64_t now);
    // Adds `key` (expires: seconds from now, 0: never). False when the key exists already (uWSGI's
    // cache_set does not overwrite), the key is empty or longer than keysize, the value is empty or
    // larger than blocksize, or the cache is full (and not purge_lru).
    bool set(std::string_view key, std::string_view value, std::uint64_t expires, std::int64_t now);
    // As set(), but an existing key gets the new value and expiry.
    bool update(std::string_view key, std::string_view value, std::uint64_t expires, std::int64_t now);
    bool exists(std::string_view key, std::int64_t now);
    // False when there was no such key.
    bool remove(std::string_view key, std::int64_t now);
    bool clear();
    // Every live key, in no particular order; nullopt when the lock failed.
    std::optional<std::vector<std::string>> keys(std::int64_t now);
    // Keys held now (expired ones not yet dropped included).
    std::uint64_t size();

private:
    struct Header;
    struct Item;
    SharedCache(SharedMemory memory, config::CacheSpec spec);
    bool write(std::string_view key, std::string_view value, std::uint64_t expires, std::int64_t now, bool overwrite);

    // The lock; an owner that died leaves an emptied cache. False: not taken (logged).
    class Locked;

    Header* header() const;
    Item* item(std::uint32_t index) const;  // 1..items
    std::uint32_t* buckets() const;
    std::uint32_t* free_stack() const;
    char* value_of(std::uint32_t index) const;

    void reset(bool torn);
    std::uint32_t find(std::string_view key, std::uint32_t hash) const;
    // find(), dropping an expired item on the way (0 then).
    std::uint32_t find_live(std::string_view key, std::int64_t now);
    void unlink(std::uint32_t index);
    void lru_remove(std::uint32_t index);
    void lru_append(std::uint32_t index);
    // A free item for a new key: the free stack, else expired items dropped, else the least
    // recently used one when purge_lru. 0: full.
    std::uint32_t take_free(std::int64_t now);

    SharedMemory memory_;
    config::CacheSpec spec_;
    std::size_t item_stride_;
    std::size_t buckets_offset_;
    std::size_t free_offset_;
    std::size_t data_offset_;
};

}  // namespace appserver
