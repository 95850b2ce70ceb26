#pragma once
// uWSGI placeholders in ini values: $(ENV), %(name), %(a + 2 * b), %d %p %n %s %e %k %h, %%.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace appserver::config {

struct PlaceholderContext {
    // Keys set so far in this configuration (options and user variables), by the name as written
    // and by its normalized (dashed) name. %(name) looks here.
    const std::map<std::string, std::string>* variables = nullptr;
    // The ini file being read; "" outside a file (the magic %d %p %n %s %e are then kept as written).
    std::string file_path;
    long cpu_count = 1;
    std::string hostname;
    // $(NAME); nullopt when unset. Tests replace it.
    std::function<std::optional<std::string>(const std::string&)> getenv;
};

struct Expansion {
    std::string value;
    std::vector<std::string> warnings;    // one line each, without file:line
    std::vector<std::string> referenced;  // names looked up by %(...), defined or not
};

// Expands one value, left to right, as uWSGI does at read time:
//   $(NAME)      the environment variable, "" when unset (with a warning)
//   %(name)      the value of a key set earlier in the configuration
//   %(a * 2)     integer arithmetic: + - * / and parentheses over numbers and variables
//   %d %p        directory of the ini file (with trailing '/'), its full path
//   %n %s %e     its name without extension, with extension, the extension
//   %k %h        CPU count, host name
//   %%           a literal '%'
// The inside of %( ) and $( ) is expanded first, so `%(%k * 2)` works. Anything that cannot be
// resolved is kept as written with a warning, never an error: uWSGI keeps it too, and values such as
// log formats use `%(...)` for their own purposes.
Expansion expand_placeholders(std::string_view text, const PlaceholderContext& context);

// Integer arithmetic over + - * / ( ), numbers and identifiers (resolved by `lookup`). nullopt with
// `error` set on a syntax error, an unknown or non-numeric identifier, division by zero or overflow.
std::optional<long long> evaluate_arithmetic(
    std::string_view expression, const std::function<std::optional<std::string>(const std::string&)>& lookup,
    std::vector<std::string>& identifiers, std::string& error);

// The context's defaults: sysconf CPU count, gethostname, ::getenv.
PlaceholderContext default_placeholder_context();

}  // namespace appserver::config
