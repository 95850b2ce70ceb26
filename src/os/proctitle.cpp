#include "os/proctitle.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <cstring>
#include <string>

extern char** environ;

namespace appserver::proctitle {
namespace {

char* g_area = nullptr;
std::size_t g_area_size = 0;

}  // namespace

void init(int argc, char** argv) {
    if (argc <= 0 || !argv || !argv[0]) return;
    char* area = argv[0];
    char* end = argv[0] + std::strlen(argv[0]) + 1;
    for (int i = 1; i < argc; ++i)
        if (argv[i] == end) end = argv[i] + std::strlen(argv[i]) + 1;
    std::size_t env_count = 0;
    for (char** e = environ; *e; ++e) {
        if (*e == end) end = *e + std::strlen(*e) + 1;
        ++env_count;
    }
    // Move the environment and the arguments out of the area we are going to overwrite.
    char** new_environ = new char*[env_count + 1];
    for (std::size_t i = 0; i < env_count; ++i) new_environ[i] = ::strdup(environ[i]);
    new_environ[env_count] = nullptr;
    environ = new_environ;
    for (int i = 0; i < argc; ++i) argv[i] = ::strdup(argv[i]);
    g_area = area;
    g_area_size = static_cast<std::size_t>(end - area);
}

void set(std::string_view title) {
    std::string comm(title.substr(0, 15));
    ::prctl(PR_SET_NAME, comm.c_str(), 0, 0, 0);
    if (!g_area || g_area_size < 2) return;
    std::size_t n = std::min(title.size(), g_area_size - 1);
    std::memcpy(g_area, title.data(), n);
    std::memset(g_area + n, 0, g_area_size - n);
}

}  // namespace appserver::proctitle
