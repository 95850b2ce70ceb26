// Fuzzes load_config, the way `appserver ...` reaches it: the input once as an ini file
// (`appserver --ini FILE`, includes and placeholders and all), and once as a command line
// (the input split on NUL bytes into argv[1..]).
//
// The ini file lives in a temporary directory made once per process (removed at exit), so its
// relative includes resolve there. The working directory is left alone: libFuzzer reads the corpus
// and writes crash files relative to it.

#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "appserver/config.h"
#include "fuzz_util.h"

namespace {

struct Scratch {
    std::string dir;
    std::string ini;

    Scratch() {
        char tmpl[] = "/tmp/appserver-config-fuzz.XXXXXX";
        if (!::mkdtemp(tmpl)) {
            std::perror("mkdtemp");
            std::abort();
        }
        dir = tmpl;
        ini = dir + "/uwsgi.ini";
    }
    ~Scratch() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

Scratch& scratch() {
    static Scratch s;
    return s;
}

// Reading a device (ini = /dev/zero, /dev/stdin) never ends; that is the operator's choice, not a
// parser bug, so such inputs are not explored.
bool names_a_device(std::string_view text) {
    for (std::string_view dir : {"/dev", "/proc", "/sys"})
        if (text.find(dir) != text.npos) return true;
    return false;
}

// `argv` ends with nullptr, as a real one does. load_config leaves `out` alone on failure (a failed
// reload keeps the running configuration).
void load_and_check(const std::vector<const char*>& argv) {
    appserver::Options out;
    out.processes = -12345;
    out.callable = "untouched";
    appserver::ConfigResult result =
        appserver::load_config(static_cast<int>(argv.size() - 1), argv.data(), out);
    if (result.ok) {
        FUZZ_CHECK(result.error.empty());
        FUZZ_CHECK(out.processes != -12345);
    } else {
        FUZZ_CHECK(!result.error.empty());
        FUZZ_CHECK(out.processes == -12345 && out.callable == "untouched");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text = appserver::fuzz::as_chars(data, size);
    if (names_a_device(text)) return -1;
    const Scratch& s = scratch();

    {
        std::ofstream file(s.ini, std::ios::binary | std::ios::trunc);
        file.write(text.data(), static_cast<std::streamsize>(text.size()));
    }
    load_and_check({"appserver", "--ini", s.ini.c_str(), nullptr});

    std::vector<std::string> args;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t nul = text.find('\0', start);
        if (nul == text.npos) nul = text.size();
        args.emplace_back(text.substr(start, nul - start));
        start = nul + 1;
    }
    std::vector<const char*> argv{"appserver"};
    for (const std::string& a : args) argv.push_back(a.c_str());
    argv.push_back(nullptr);
    load_and_check(argv);
    return 0;
}
