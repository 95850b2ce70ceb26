#pragma once
// uWSGI placeholders in ini values: $(ENV), %(name), %(a + 2 * b), uWSGI's magic letters (%d %p %n...), %%.

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
    // The ini file being read; "" outside a file (the file letters %d %p %n... are then kept as written).
    std::string file_path;
    // The section named with it (`file.ini:name`, `ini = :name`), "" for [uwsgi]: %x.
    std::string section;
    // The first ini file read and its section: the upper-case letters (%D %P %N %X...).
    std::string main_file_path;
    std::string main_section;
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
//   %d %p        directory of the ini file (with trailing '/'), its full path (a symlinked file keeps
//                the link's path, as in uWSGI)
//   %n %s %e     its name without extension, with extension, the extension (without the dot)
//   %c %0..%9    the name of its directory, the components of that directory's path
//   %x           the section named with the file (file.ini:name), else ""
//   %D %P %N %S %E %C %X   the same for the first ini file read
//   %k %h %v     CPU count, host name, current directory
//   %t %T        the time in seconds / microseconds since the epoch
//   %u %U %g %G  uid, user name, gid, group name
//   %%           a literal '%'
// Other letters (uWSGI's %V, %j, %i, %o, %b...) are kept as written; uWSGI makes an unknown letter "".
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
