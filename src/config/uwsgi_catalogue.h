#pragma once
// The long tail of uWSGI's options: every name uWSGI 2.0's pip build knows (the core and the plugins it
// has built in: http, python, gevent, cheaper_busyness, the routers...; scripts/uwsgi_option_list.py)
// that appserver does not implement. Each is recognised as a real uWSGI key (so it is never
// an "unknown key" nor a "did you mean" target for one) and warned about once as unsupported, with
// a note saying what to use instead. tests/data/uwsgi-2.0-options.txt is the list it is checked against.

#include <span>
#include <string_view>

namespace appserver::config {

struct CatalogueEntry {
    std::string_view name;         // uWSGI's long name
    std::string_view short_alias;  // uWSGI's one-letter form, when appserver does not use the letter
    std::string_view note;         // what to use instead; shared by a family of keys
};

// Sorted by name.
std::span<const CatalogueEntry> uwsgi_catalogue();

// The distinct notes, in the order docs/options.md lists the families.
std::span<const std::string_view> uwsgi_catalogue_notes();

}  // namespace appserver::config
