#include "worker/parser_pool.h"

#include <vector>

namespace appserver::parser_pool {
namespace {

// Enough for the connections one loop turn moves between idle and busy under load; at most about
// 32 x 10 KB held for them (HttpRequestParser::recycle drops what a large request grew).
constexpr std::size_t kKept = 32;

thread_local std::vector<std::unique_ptr<HttpRequestParser>> parsers;

}  // namespace

std::unique_ptr<HttpRequestParser> take(const RequestLimits& limits) {
    if (!parsers.empty() && parsers.back()->limits() == limits) {
        std::unique_ptr<HttpRequestParser> parser = std::move(parsers.back());
        parsers.pop_back();
        return parser;
    }
    return std::make_unique<HttpRequestParser>(limits);
}

void give_back(std::unique_ptr<HttpRequestParser> parser) {
    if (!parser || parsers.size() >= kKept) return;
    parser->recycle();
    parsers.push_back(std::move(parser));
}

std::size_t kept() { return parsers.size(); }

}  // namespace appserver::parser_pool
