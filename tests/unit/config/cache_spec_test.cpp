#include "config/cache_spec.h"

#include <gtest/gtest.h>

namespace appserver::config {
namespace {

TEST(CacheSpec, Cache2TakesUwsgisKeysAndDefaults) {
    std::string error;
    auto spec = parse_cache2("name=mycache,items=100", error);
    ASSERT_TRUE(spec) << error;
    EXPECT_EQ(spec->name, "mycache");
    EXPECT_EQ(spec->items, 100u);
    EXPECT_EQ(spec->blocksize, 65536u);
    EXPECT_EQ(spec->keysize, 2048u);
    EXPECT_EQ(spec->hashsize, 65536u);
    EXPECT_FALSE(spec->purge_lru);

    spec = parse_cache2("name=c,maxitems=3,blocksize=128,key_size=16,hash_size=7,purge_lru=1,store=/tmp/x", error);
    ASSERT_TRUE(spec) << error;
    EXPECT_EQ(spec->items, 3u);
    EXPECT_EQ(spec->blocksize, 128u);
    EXPECT_EQ(spec->keysize, 16u);
    EXPECT_EQ(spec->hashsize, 7u);
    EXPECT_TRUE(spec->purge_lru);
    EXPECT_EQ(spec->ignored, std::vector<std::string>{"store"});
    EXPECT_FALSE(parse_cache2("name=c,items=3,lru=0", error)->purge_lru);
}

TEST(CacheSpec, Cache2RefusesWhatUwsgiRefuses) {
    std::string error;
    EXPECT_FALSE(parse_cache2("items=10", error));
    EXPECT_EQ(error, "cache2 \"items=10\": you have to specify a cache name");
    EXPECT_FALSE(parse_cache2("name=a", error));
    EXPECT_EQ(error, "cache2 \"name=a\": you have to specify the maximum number of cache items");
    EXPECT_FALSE(parse_cache2("name=a,items=0", error));
    EXPECT_FALSE(parse_cache2("name=a,items=ten", error));
    EXPECT_FALSE(parse_cache2("name=a,items=1,blocksize=0", error));
    EXPECT_FALSE(parse_cache2("name=a,items=1,keysize=65536", error));
    EXPECT_FALSE(parse_cache2("name=a,items=1,item=2", error));
    EXPECT_EQ(error, "cache2 \"name=a,items=1,item=2\": unknown key \"item\"");
}

TEST(CacheSpec, LegacyCacheIsDefaultAndComesFirst) {
    Options o;
    o.cache = 50;
    o.cache_blocksize = 1024;
    o.cache2 = {"name=other,items=5"};
    std::vector<CacheSpec> specs;
    std::string error;
    ASSERT_TRUE(cache_specs(o, specs, error)) << error;
    ASSERT_EQ(specs.size(), 2u);
    EXPECT_EQ(specs[0].name, "default");
    EXPECT_EQ(specs[0].items, 50u);
    EXPECT_EQ(specs[0].blocksize, 1024u);
    EXPECT_EQ(specs[1].name, "other");

    o.cache2.push_back("name=other,items=9");
    EXPECT_FALSE(cache_specs(o, specs, error));
    EXPECT_EQ(error, "cache2 \"name=other,items=9\": a cache called \"other\" already exists");
}

}  // namespace
}  // namespace appserver::config
