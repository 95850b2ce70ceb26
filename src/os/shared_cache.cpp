#include "os/shared_cache.h"

#include <spdlog/spdlog.h>

#include <cstring>
#include <new>

#include "os/robust_mutex.h"

namespace appserver {

struct alignas(64) SharedCache::Header {
    pthread_mutex_t mutex;
    std::uint64_t used = 0;       // items holding a key
    std::uint64_t free_top = 0;   // entries on the free stack
    std::uint64_t full = 0;       // times a new key found no room (uWSGI's "full" counter)
    std::uint32_t lru_head = 0;   // least recently used; 0: none
    std::uint32_t lru_tail = 0;   // most recently used
};

// An item's fixed part; its key follows it (keysize bytes), its value is block `index` of the data.
struct SharedCache::Item {
    std::uint32_t hash = 0;
    std::uint32_t next = 0;  // the bucket's chain
    std::uint32_t prev = 0;
    std::uint32_t lru_prev = 0;
    std::uint32_t lru_next = 0;
    std::uint32_t keysize = 0;  // 0: free
    std::uint64_t valsize = 0;
    std::int64_t expires = 0;   // absolute, ms on the caller's clock; 0: never
    char* key() { return reinterpret_cast<char*>(this + 1); }
};

namespace {

constexpr std::size_t align_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

// uWSGI's default hash (djb33x), so keys spread over the buckets as they do there.
std::uint32_t djb33x(std::string_view key) {
    std::uint32_t hash = 5381;
    for (unsigned char c : key) hash = (hash * 33) ^ c;
    return hash;
}

}  // namespace

class SharedCache::Locked {
public:
    explicit Locked(SharedCache& cache) : cache_(cache) {
        LockOutcome outcome = lock_robust(&cache.header()->mutex, "cache \"" + cache.name() + "\"");
        held_ = outcome != LockOutcome::failed;
        if (outcome == LockOutcome::owner_died) {
            // Its links may be half-written: an empty cache is a correct cache, a torn one is not.
            spdlog::warn("cache \"{}\": a process died while changing it; the cache was emptied", cache.name());
            cache.reset(true);
        }
    }
    ~Locked() {
        if (held_) unlock_robust(&cache_.header()->mutex);
    }
    Locked(const Locked&) = delete;
    Locked& operator=(const Locked&) = delete;
    explicit operator bool() const { return held_; }

private:
    SharedCache& cache_;
    bool held_ = false;
};

std::unique_ptr<SharedCache> SharedCache::create(const config::CacheSpec& spec, std::string& error) {
    const std::size_t stride = align_up(sizeof(Item) + spec.keysize, alignof(Item));
    const std::size_t items_end = sizeof(Header) + stride * spec.items;
    const std::size_t buckets_offset = align_up(items_end, 8);
    const std::size_t free_offset = align_up(buckets_offset + sizeof(std::uint32_t) * spec.hashsize, 8);
    const std::size_t data_offset = align_up(free_offset + sizeof(std::uint32_t) * spec.items, 64);
    const std::size_t total = data_offset + spec.blocksize * spec.items;
    SharedMemory memory;
    if (!memory.map(total, "cache \"" + spec.name + "\"", error)) return nullptr;
    auto* header = new (memory.data()) Header;
    if (!init_robust_mutex(&header->mutex, "cache \"" + spec.name + "\"", error)) return nullptr;
    std::unique_ptr<SharedCache> cache(new SharedCache(std::move(memory), spec));
    cache->item_stride_ = stride;
    cache->buckets_offset_ = buckets_offset;
    cache->free_offset_ = free_offset;
    cache->data_offset_ = data_offset;
    cache->reset(false);  // the mapping is zeroed: only the free stack is written
    return cache;
}

SharedCache::SharedCache(SharedMemory memory, config::CacheSpec spec)
    : memory_(std::move(memory)), spec_(std::move(spec)), item_stride_(0), buckets_offset_(0), free_offset_(0),
      data_offset_(0) {}

SharedCache::Header* SharedCache::header() const { return static_cast<Header*>(memory_.data()); }

SharedCache::Item* SharedCache::item(std::uint32_t index) const {
    char* base = static_cast<char*>(memory_.data()) + sizeof(Header);
    return reinterpret_cast<Item*>(base + item_stride_ * (index - 1));
}

std::uint32_t* SharedCache::buckets() const {
    return reinterpret_cast<std::uint32_t*>(static_cast<char*>(memory_.data()) + buckets_offset_);
}

std::uint32_t* SharedCache::free_stack() const {
    return reinterpret_cast<std::uint32_t*>(static_cast<char*>(memory_.data()) + free_offset_);
}

char* SharedCache::value_of(std::uint32_t index) const {
    return static_cast<char*>(memory_.data()) + data_offset_ + spec_.blocksize * (index - 1);
}

// Every item free; the stack pops 1, 2, 3... Only items in use are written (found through the LRU
// list, which holds every one of them), so the pages of a big, mostly empty cache stay uncommitted.
// `torn`: a process died while changing the cache, so its lists cannot be trusted: every item head
// is checked instead.
void SharedCache::reset(bool torn) {
    Header* h = header();
    if (torn) {
        for (std::uint64_t i = 1; i <= spec_.items; ++i) {
            Item* it = item(static_cast<std::uint32_t>(i));
            if (it->keysize != 0 || it->lru_next != 0 || it->lru_prev != 0) new (it) Item;
        }
    } else {
        std::uint32_t index = h->lru_head;
        for (std::uint64_t rounds = 0; index != 0 && rounds < spec_.items; ++rounds) {
            Item* it = item(index);
            index = it->lru_next;
            new (it) Item;
        }
    }
    std::memset(buckets(), 0, sizeof(std::uint32_t) * spec_.hashsize);
    std::uint32_t* stack = free_stack();
    for (std::uint64_t i = 0; i < spec_.items; ++i) stack[i] = static_cast<std::uint32_t>(spec_.items - i);
    h->free_top = spec_.items;
    h->used = 0;
    h->lru_head = h->lru_tail = 0;
}

std::uint32_t SharedCache::find(std::string_view key, std::uint32_t hash) const {
    std::uint32_t index = buckets()[hash % spec_.hashsize];
    // Bounded: a chain can never be longer than the cache.
    for (std::uint64_t rounds = 0; index != 0 && rounds < spec_.items; ++rounds) {
        Item* it = item(index);
        if (it->hash == hash && it->keysize == key.size() && std::memcmp(it->key(), key.data(), key.size()) == 0)
            return index;
        index = it->next;
    }
    return 0;
}

std::uint32_t SharedCache::find_live(std::string_view key, std::int64_t now) {
    std::uint32_t index = find(key, djb33x(key));
    if (index == 0) return 0;
    const Item* it = item(index);
    if (it->expires != 0 && it->expires <= now) {
        unlink(index);
        return 0;
    }
    return index;
}

void SharedCache::lru_remove(std::uint32_t index) {
    Header* h = header();
    Item* it = item(index);
    if (it->lru_prev) item(it->lru_prev)->lru_next = it->lru_next;
    else h->lru_head = it->lru_next;
    if (it->lru_next) item(it->lru_next)->lru_prev = it->lru_prev;
    else h->lru_tail = it->lru_prev;
    it->lru_prev = it->lru_next = 0;
}

void SharedCache::lru_append(std::uint32_t index) {
    Header* h = header();
    Item* it = item(index);
    it->lru_prev = h->lru_tail;
    it->lru_next = 0;
    if (h->lru_tail) item(h->lru_tail)->lru_next = index;
    else h->lru_head = index;
    h->lru_tail = index;
}

// Drops an item: out of its bucket's chain and the LRU list, onto the free stack.
void SharedCache::unlink(std::uint32_t index) {
    Header* h = header();
    Item* it = item(index);
    if (it->prev) item(it->prev)->next = it->next;
    else buckets()[it->hash % spec_.hashsize] = it->next;
    if (it->next) item(it->next)->prev = it->prev;
    lru_remove(index);
    new (it) Item;
    free_stack()[h->free_top++] = index;
    --h->used;
}

std::uint32_t SharedCache::take_free(std::int64_t now) {
    Header* h = header();
    if (h->free_top == 0) {
        // uWSGI's master sweeps expired items every few seconds; here they go when room is needed.
        for (std::uint64_t i = 1; i <= spec_.items; ++i) {
            auto index = static_cast<std::uint32_t>(i);
            const Item* it = item(index);
            if (it->keysize != 0 && it->expires != 0 && it->expires <= now) unlink(index);
        }
    }
    if (h->free_top == 0) {
        ++h->full;
        if (spec_.purge_lru && h->lru_head != 0) {
            unlink(h->lru_head);
        } else {
            spdlog::warn("*** DANGER cache \"{}\" is FULL !!! *** ({} items)", spec_.name, spec_.items);
            return 0;
        }
    }
    return free_stack()[--h->free_top];
}

bool SharedCache::write(std::string_view key, std::string_view value, std::uint64_t expires, std::int64_t now,
                        bool overwrite) {
    if (key.empty() || key.size() > spec_.keysize || value.empty() || value.size() > spec_.blocksize) return false;
    Locked locked(*this);
    if (!locked) return false;
    const std::int64_t deadline = expires == 0 ? 0 : now + static_cast<std::int64_t>(expires) * 1000;
    std::uint32_t index = find_live(key, now);
    if (index != 0) {
        if (!overwrite) return false;
        Item* it = item(index);
        std::memcpy(value_of(index), value.data(), value.size());
        it->valsize = value.size();
        it->expires = deadline;
        lru_remove(index);
        lru_append(index);
        return true;
    }
    index = take_free(now);
    if (index == 0) return false;
    Header* h = header();
    Item* it = item(index);
    it->hash = djb33x(key);
    it->keysize = static_cast<std::uint32_t>(key.size());
    std::memcpy(it->key(), key.data(), key.size());
    std::memcpy(value_of(index), value.data(), value.size());
    it->valsize = value.size();
    it->expires = deadline;
    std::uint32_t& bucket = buckets()[it->hash % spec_.hashsize];
    it->prev = 0;
    it->next = bucket;
    if (bucket) item(bucket)->prev = index;
    bucket = index;
    lru_append(index);
    ++h->used;
    return true;
}

bool SharedCache::set(std::string_view key, std::string_view value, std::uint64_t expires, std::int64_t now) {
    return write(key, value, expires, now, false);
}

bool SharedCache::update(std::string_view key, std::string_view value, std::uint64_t expires, std::int64_t now) {
    return write(key, value, expires, now, true);
}

std::optional<std::string> SharedCache::get(std::string_view key, std::int64_t now) {
    if (key.empty() || key.size() > spec_.keysize) return std::nullopt;
    Locked locked(*this);
    if (!locked) return std::nullopt;
    std::uint32_t index = find_live(key, now);
    if (index == 0) return std::nullopt;
    lru_remove(index);
    lru_append(index);
    return std::string(value_of(index), item(index)->valsize);
}

bool SharedCache::exists(std::string_view key, std::int64_t now) {
    if (key.empty() || key.size() > spec_.keysize) return false;
    Locked locked(*this);
    return locked && find_live(key, now) != 0;
}

bool SharedCache::remove(std::string_view key, std::int64_t now) {
    if (key.empty() || key.size() > spec_.keysize) return false;
    Locked locked(*this);
    if (!locked) return false;
    std::uint32_t index = find_live(key, now);
    if (index == 0) return false;
    unlink(index);
    return true;
}

bool SharedCache::clear() {
    Locked locked(*this);
    if (!locked) return false;
    reset(false);
    return true;
}

std::optional<std::vector<std::string>> SharedCache::keys(std::int64_t now) {
    Locked locked(*this);
    if (!locked) return std::nullopt;
    std::vector<std::string> out;
    for (std::uint64_t i = 1; i <= spec_.items; ++i) {
        Item* it = item(static_cast<std::uint32_t>(i));
        if (it->keysize == 0 || (it->expires != 0 && it->expires <= now)) continue;
        out.emplace_back(it->key(), it->keysize);
    }
    return out;
}

std::uint64_t SharedCache::size() {
    Locked locked(*this);
    return locked ? header()->used : 0;
}

}  // namespace appserver
