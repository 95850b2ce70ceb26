#include "os/shared_cache.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

namespace appserver {
namespace {

config::CacheSpec spec(std::uint64_t items, bool lru = false) {
    config::CacheSpec s;
    s.name = "test";
    s.items = items;
    s.blocksize = 16;
    s.keysize = 8;
    s.hashsize = 3;  // few buckets: chains are exercised
    s.purge_lru = lru;
    return s;
}

std::unique_ptr<SharedCache> make(const config::CacheSpec& s) {
    std::string error;
    auto cache = SharedCache::create(s, error);
    EXPECT_TRUE(cache) << error;
    return cache;
}

TEST(SharedCache, SetGetUpdateDelete) {
    auto cache = make(spec(4));
    EXPECT_FALSE(cache->get("a", 0));
    EXPECT_TRUE(cache->set("a", "one", 0, 0));
    EXPECT_EQ(cache->get("a", 0), "one");
    EXPECT_FALSE(cache->set("a", "two", 0, 0));  // uWSGI's cache_set does not overwrite
    EXPECT_EQ(cache->get("a", 0), "one");
    EXPECT_TRUE(cache->update("a", "two", 0, 0));
    EXPECT_EQ(cache->get("a", 0), "two");
    EXPECT_TRUE(cache->update("b", "new", 0, 0));  // update of a missing key adds it
    EXPECT_TRUE(cache->exists("b", 0));
    EXPECT_TRUE(cache->remove("a", 0));
    EXPECT_FALSE(cache->remove("a", 0));
    EXPECT_FALSE(cache->exists("a", 0));
    EXPECT_EQ(cache->size(), 1u);
    EXPECT_TRUE(cache->clear());
    EXPECT_EQ(cache->size(), 0u);
    EXPECT_FALSE(cache->get("b", 0));
}

TEST(SharedCache, ManyKeysInFewBucketsStayApart) {
    auto cache = make(spec(20));
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(cache->set("k" + std::to_string(i), "v" + std::to_string(i), 0, 0));
    for (int i = 0; i < 20; i += 2) ASSERT_TRUE(cache->remove("k" + std::to_string(i), 0));
    for (int i = 0; i < 20; ++i) {
        auto value = cache->get("k" + std::to_string(i), 0);
        if (i % 2 == 0)
            EXPECT_FALSE(value) << i;
        else
            EXPECT_EQ(value, "v" + std::to_string(i));
    }
    auto keys = cache->keys(0);
    ASSERT_TRUE(keys);
    EXPECT_EQ(keys->size(), 10u);
    // clear() frees every item: the cache holds as many new keys as before.
    ASSERT_TRUE(cache->clear());
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(cache->set("n" + std::to_string(i), "v", 0, 0)) << i;
    EXPECT_FALSE(cache->get("k1", 0));
    EXPECT_EQ(cache->size(), 20u);
}

TEST(SharedCache, RefusesWhatDoesNotFit) {
    auto cache = make(spec(2));
    EXPECT_FALSE(cache->set("", "v", 0, 0));
    EXPECT_FALSE(cache->set("k", "", 0, 0));               // uWSGI refuses empty values
    EXPECT_FALSE(cache->set("123456789", "v", 0, 0));      // key over keysize (8)
    EXPECT_FALSE(cache->set("k", std::string(17, 'x'), 0, 0));  // value over blocksize (16)
    EXPECT_TRUE(cache->set("k", std::string(16, 'x'), 0, 0));
    EXPECT_TRUE(cache->set("12345678", "v", 0, 0));
    EXPECT_FALSE(cache->set("third", "v", 0, 0));  // full, no purge_lru
    EXPECT_TRUE(cache->update("k", "smaller", 0, 0));  // an existing key can still change
    EXPECT_EQ(cache->get("k", 0), "smaller");
}

TEST(SharedCache, ExpiredKeysVanishAndFreeTheirRoom) {
    auto cache = make(spec(2));
    ASSERT_TRUE(cache->set("short", "v", 10, 100000));  // expires at 110 s (times are ms)
    ASSERT_TRUE(cache->set("forever", "v", 0, 100000));
    EXPECT_TRUE(cache->exists("short", 109999));
    EXPECT_FALSE(cache->get("short", 110000));
    EXPECT_FALSE(cache->exists("short", 110000));
    EXPECT_TRUE(cache->set("short", "again", 0, 111000));  // an expired key can be set again
    EXPECT_EQ(cache->get("short", 111000), "again");

    ASSERT_TRUE(cache->update("short", "v", 5, 200000));  // expires at 205 s
    EXPECT_FALSE(cache->set("new", "v", 0, 204000));       // full
    EXPECT_TRUE(cache->set("new", "v", 0, 205000));        // the expired key made room
    EXPECT_TRUE(cache->exists("forever", 205000));
    auto keys = cache->keys(205000);
    ASSERT_TRUE(keys);
    std::sort(keys->begin(), keys->end());
    EXPECT_EQ(*keys, (std::vector<std::string>{"forever", "new"}));
}

TEST(SharedCache, PurgeLruDropsTheLeastRecentlyUsed) {
    auto cache = make(spec(3, true));
    ASSERT_TRUE(cache->set("a", "1", 0, 0));
    ASSERT_TRUE(cache->set("b", "2", 0, 0));
    ASSERT_TRUE(cache->set("c", "3", 0, 0));
    ASSERT_TRUE(cache->get("a", 0));       // a is now the most recently used; b the least
    ASSERT_TRUE(cache->set("d", "4", 0, 0));
    EXPECT_FALSE(cache->exists("b", 0));
    EXPECT_TRUE(cache->exists("a", 0));
    EXPECT_TRUE(cache->exists("c", 0));
    EXPECT_TRUE(cache->exists("d", 0));
    ASSERT_TRUE(cache->set("e", "5", 0, 0));  // next least recently used: c
    EXPECT_FALSE(cache->exists("c", 0));
    EXPECT_EQ(cache->size(), 3u);
}

// The mapping is shared with a child made after it, as workers are: what the child sets, the
// parent reads.
TEST(SharedCache, ChildrenShareIt) {
    auto cache = make(spec(4));
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) ::_exit(cache->set("child", "hello", 0, 0) ? 0 : 1);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(cache->get("child", 0), "hello");
}

// Writers killed at random moments (some while holding the cache's lock): the cache never hangs
// the others and stays consistent (a torn cache is emptied by the next locker, never left torn).
TEST(SharedCache, WritersKilledMidWayNeitherHangNorTearIt) {
    config::CacheSpec s = spec(8, true);
    s.blocksize = 1 << 16;  // long copies: a kill inside the lock is likely
    auto cache = make(s);
    ::alarm(60);  // a deadlock fails the run instead of hanging it
    for (int round = 0; round < 20; ++round) {
        pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            const std::string big(s.blocksize, 'x');
            for (unsigned i = 0;; ++i) cache->update("k" + std::to_string(i % 12), big, 0, 0);
        }
        ::usleep(static_cast<useconds_t>(2000 + round * 500));
        ::kill(pid, SIGKILL);
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(cache->update("mine", "v", 0, 0));
        EXPECT_EQ(cache->get("mine", 0), "v");
        auto keys = cache->keys(0);
        ASSERT_TRUE(keys);
        EXPECT_LE(keys->size(), 8u);
        for (const std::string& key : *keys) EXPECT_TRUE(cache->get(key, 0)) << key;
    }
    ::alarm(0);
}

}  // namespace
}  // namespace appserver
