#include "config/cache_spec.h"

#include <charconv>
#include <limits>

#include "appserver/ascii.h"

namespace appserver::config {
namespace {

// The item index is 32-bit in shared memory; a key length is 16-bit (uWSGI's limit too).
constexpr std::uint64_t kMaxItems = std::numeric_limits<std::uint32_t>::max() - 1;
constexpr std::uint64_t kMaxKeysize = std::numeric_limits<std::uint16_t>::max() - 1;

std::optional<std::uint64_t> number(std::string_view text) {
    std::uint64_t value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

// uWSGI turns the flag on when the key is there at all; an explicit false is read as off.
bool flag(std::string_view value) {
    return !(value == "0" || ascii::iequals(value, "false") || ascii::iequals(value, "no") || ascii::iequals(value, "off"));
}

// Keys uWSGI's cache2 knows that appserver reads and ignores (persistence, clustering, math,
// bitmap allocation, sweeping modes): the cache works without them.
bool known_ignored(std::string_view key) {
    for (std::string_view k :
         {"hash", "store", "store_sync", "storesync", "store_delete", "storedelete", "node", "nodes", "sync",
          "udp", "udp_servers", "udp_server", "udpservers", "udpserver", "bitmap", "lastmod", "math_initial",
          "ignore_full", "lazy_expire", "lazy", "sweep_on_full", "clear_on_full", "no_expire", "blocks"})
        if (key == k) return true;
    return false;
}

}  // namespace

std::optional<CacheSpec> parse_cache2(std::string_view text, std::string& error) {
    CacheSpec spec;
    bool have_items = false;
    auto fail = [&](const std::string& why) {
        error = "cache2 \"" + std::string(text) + "\": " + why;
        return std::nullopt;
    };
    std::string_view rest = text;
    while (!rest.empty()) {
        std::size_t comma = rest.find(',');
        std::string_view item = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (item.empty()) continue;
        std::size_t eq = item.find('=');
        if (eq == std::string_view::npos) return fail("\"" + std::string(item) + "\" is not key=value");
        std::string_view key = item.substr(0, eq);
        std::string_view value = item.substr(eq + 1);
        auto size_of = [&](std::uint64_t& field, std::uint64_t max) {
            auto n = number(value);
            if (!n || *n == 0 || *n > max) return false;
            field = *n;
            return true;
        };
        if (key == "name") {
            spec.name = std::string(value);
        } else if (key == "items" || key == "max_items" || key == "maxitems") {
            if (!size_of(spec.items, kMaxItems)) return fail("items must be 1 to " + std::to_string(kMaxItems));
            have_items = true;
        } else if (key == "blocksize") {
            if (!size_of(spec.blocksize, std::numeric_limits<std::uint32_t>::max()))
                return fail("blocksize must be a positive number of bytes");
        } else if (key == "keysize" || key == "key_size") {
            if (!size_of(spec.keysize, kMaxKeysize)) return fail("keysize must be 1 to " + std::to_string(kMaxKeysize));
        } else if (key == "hashsize" || key == "hash_size") {
            if (!size_of(spec.hashsize, kMaxItems)) return fail("hashsize must be 1 to " + std::to_string(kMaxItems));
        } else if (key == "purge_lru" || key == "lru") {
            spec.purge_lru = flag(value);
        } else if (known_ignored(key)) {
            spec.ignored.emplace_back(key);
        } else {
            return fail("unknown key \"" + std::string(key) + "\"");
        }
    }
    // uWSGI's own messages for these two.
    if (spec.name.empty()) return fail("you have to specify a cache name");
    if (!have_items) return fail("you have to specify the maximum number of cache items");
    return spec;
}

bool cache_specs(const Options& options, std::vector<CacheSpec>& out, std::string& error) {
    out.clear();
    if (options.cache > 0) {
        CacheSpec legacy;
        legacy.name = "default";
        legacy.items = static_cast<std::uint64_t>(options.cache);
        if (options.cache_blocksize > 0) legacy.blocksize = options.cache_blocksize;
        out.push_back(std::move(legacy));
    }
    for (const std::string& text : options.cache2) {
        auto spec = parse_cache2(text, error);
        if (!spec) return false;
        for (const CacheSpec& other : out)
            if (other.name == spec->name) {
                error = "cache2 \"" + text + "\": a cache called \"" + spec->name + "\" already exists";
                return false;
            }
        out.push_back(std::move(*spec));
    }
    return true;
}

}  // namespace appserver::config
