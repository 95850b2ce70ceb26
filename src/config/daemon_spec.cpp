#include "config/daemon_spec.h"

#include <charconv>

#include "appserver/ascii.h"

namespace appserver {
namespace {

using ascii::trim;

bool to_int(std::string_view text, int& out) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size();
}

// uWSGI's kvlist: key=value pairs split on ',' (a '\,' is a comma inside a value).
std::vector<std::pair<std::string, std::string>> split_kvlist(std::string_view text, bool& ok) {
    std::vector<std::pair<std::string, std::string>> pairs;
    std::string item;
    ok = true;
    auto flush = [&] {
        std::string_view kv = trim(item);
        if (kv.empty()) return;
        std::size_t eq = kv.find('=');
        if (eq == std::string_view::npos) {
            ok = false;
            return;
        }
        pairs.emplace_back(std::string(trim(kv.substr(0, eq))), std::string(kv.substr(eq + 1)));
    };
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == ',') {
            item += ',';
            ++i;
        } else if (text[i] == ',') {
            flush();
            item.clear();
        } else {
            item += text[i];
        }
    }
    flush();
    return pairs;
}

bool truthy(std::string_view v) { return !(v.empty() || v == "0" || v == "false" || v == "no" || v == "off"); }

std::optional<DaemonSpec> parse_kv(std::string_view key, std::string_view value, std::string& error) {
    bool ok = true;
    auto pairs = split_kvlist(value, ok);
    auto fail = [&](const std::string& why) {
        error = "option " + std::string(key) + ": " + why;
        return std::nullopt;
    };
    if (!ok) return fail("\"" + std::string(value) + "\" is not a key=value list such as command=celery worker,freq=5");
    DaemonSpec spec;
    for (const auto& pair : pairs) {
        const std::string& k = pair.first;
        const std::string& v = pair.second;
        if (k == "command" || k == "cmd" || k == "exec") {
            spec.command = std::string(trim(v));
        } else if (k == "pidfile") {
            spec.pidfile = std::string(trim(v));
        } else if (k == "daemonize" || k == "daemon") {
            spec.daemonize = truthy(v);
        } else if (k == "stdin") {
            spec.honour_stdin = truthy(v);
        } else if (k == "notifypid") {
            spec.notify_pid = truthy(v);
        } else if (k == "chdir") {
            spec.chdir = std::string(trim(v));
        } else if (k == "touch") {
            std::string_view rest = v;
            while (!rest.empty()) {
                std::size_t semi = rest.find(';');
                std::string_view one = trim(rest.substr(0, semi));
                if (!one.empty()) spec.touch.emplace_back(one);
                if (semi == std::string_view::npos) break;
                rest.remove_prefix(semi + 1);
            }
        } else if (k == "freq" || k == "stopsignal" || k == "stop_signal" || k == "reloadsignal" ||
                   k == "reload_signal" || k == "max_throttle" || k == "uid" || k == "gid") {
            int* field = k == "freq"                                  ? &spec.freq
                         : k == "stopsignal" || k == "stop_signal"     ? &spec.stop_signal
                         : k == "reloadsignal" || k == "reload_signal" ? &spec.reload_signal
                         : k == "max_throttle"                         ? &spec.max_throttle_s
                         : k == "uid"                                  ? &spec.uid
                                                                       : &spec.gid;
            if (!to_int(trim(v), *field)) return fail(k + "=" + v + " is not a number");
        } else if (k == "control" || k == "legion" || k == "ns_pid") {
            return fail(k + " is not supported here (docs/processes.md)");
        } else {
            return fail("unknown key \"" + k + "\"");
        }
    }
    if (spec.command.empty()) return fail("a command is needed (command=...)");
    if (spec.daemonize && spec.pidfile.empty()) return fail("daemonize needs a pidfile");
    return spec;
}

}  // namespace

std::optional<DaemonSpec> parse_daemon_spec(std::string_view key, std::string_view value, std::string& error) {
    value = trim(value);
    if (key == "attach-daemon2") return parse_kv(key, value, error);
    DaemonSpec spec;
    if (key == "attach-daemon") {
        spec.command = std::string(value);
    } else if (key == "smart-attach-daemon" || key == "smart-attach-daemon2") {
        std::size_t space = value.find_first_of(" \t");
        if (space == std::string_view::npos) {
            error = "option " + std::string(key) + ": \"" + std::string(value) +
                    "\" needs a pidfile, then the command (PIDFILE COMMAND)";
            return std::nullopt;
        }
        std::string_view pidfile = value.substr(0, space);
        spec.command = std::string(trim(value.substr(space)));
        if (key == "smart-attach-daemon") {
            if (std::size_t comma = pidfile.find(','); comma != std::string_view::npos) {
                if (!to_int(pidfile.substr(comma + 1), spec.freq) || spec.freq < 1) {
                    error = "option " + std::string(key) + ": \"" + std::string(pidfile.substr(comma + 1)) +
                            "\" is not a check count (PIDFILE,FREQ COMMAND)";
                    return std::nullopt;
                }
                pidfile = pidfile.substr(0, comma);
            }
        } else {
            spec.daemonize = true;
        }
        spec.pidfile = std::string(pidfile);
    } else {
        error = "option " + std::string(key) + ": not a daemon key";
        return std::nullopt;
    }
    if (spec.command.empty()) {
        error = "option " + std::string(key) + ": a command is needed";
        return std::nullopt;
    }
    return spec;
}

}  // namespace appserver
