#pragma once
// HTTP parsers kept by a thread between requests. A keep-alive connection gives its parser back
// each time it goes idle, so that 10,000 idle connections hold none; its next request takes one
// from here instead of allocating a parser, initializing llhttp and growing the header list again.

#include <memory>

#include "proto/http_parser.h"

namespace appserver::parser_pool {

// A parser ready for a new request with `limits`: a kept one when the thread has one.
std::unique_ptr<HttpRequestParser> take(const RequestLimits& limits);
// Keeps `parser` (recycled: whatever it was in the middle of is forgotten) unless the thread keeps
// enough already; null is ignored.
void give_back(std::unique_ptr<HttpRequestParser> parser);
// Parsers the calling thread keeps now.
std::size_t kept();

}  // namespace appserver::parser_pool
