// appserver: run | --stop | --reload | --reopen-logs | --check-config | --help | --version
#include <cstdio>
#include <string>

#include "appserver/app_runtime.h"
#include "appserver/config.h"
#include "log/log.h"
#include "master/control.h"
#include "master/reexec.h"
#include "master/startup.h"
#include "os/proctitle.h"

int main(int argc, char** argv) {
    // What a reload re-executes: captured before anything changes argv, the environment or cwd.
    appserver::capture_launch(argc, argv);
    appserver::proctitle::init(argc, argv);
    appserver::Options options;
    appserver::ConfigResult loaded = appserver::load_config(argc, argv, options);
    if (!loaded.ok) {
        for (const appserver::ConfigWarning& w : loaded.warnings)  // they may explain the error
            std::fprintf(stderr, "appserver: warning: %s%s%s: %s\n", w.file.c_str(), w.line > 0 ? ":" : "",
                         w.line > 0 ? std::to_string(w.line).c_str() : "", w.message.c_str());
        std::fprintf(stderr, "appserver: %s\n", loaded.error.c_str());
        return 1;
    }
    switch (options.command) {
        case appserver::Command::help: std::fputs(appserver::render_help().c_str(), stdout); return 0;
        case appserver::Command::version: std::printf("appserver %s\n", APPSERVER_VERSION); return 0;
        case appserver::Command::stop: return appserver::stop_command(options.control_pidfile);
        case appserver::Command::reload: return appserver::reload_command(options.control_pidfile);
        case appserver::Command::reopen_logs: return appserver::reopen_logs_command(options.control_pidfile);
        default: break;
    }
    appserver::log::init();
    auto runtime = appserver::make_python_runtime();
    if (options.command == appserver::Command::check_config)
        return appserver::check_config(options, *runtime);
    return appserver::run_server(options, *runtime);
}
