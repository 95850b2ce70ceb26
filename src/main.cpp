// appserver: run | --stop | --reload | --reopen-logs | --check-config | --help | --version
#include <cstdio>
#include <string>

#include "appserver/app_runtime.h"
#include "appserver/config.h"
#include "config/plugin_names.h"
#include "log/log.h"
#include "master/control.h"
#include "master/reexec.h"
#include "master/startup.h"
#include "os/plugin_loader.h"
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
        return appserver::fail_before_start(loaded.error);
    }
    switch (options.command) {
        case appserver::Command::help: std::fputs(appserver::render_help().c_str(), stdout); return 0;
        case appserver::Command::version:
            std::printf("appserver %s\n", APPSERVER_VERSION);
            for (const std::string& line : appserver::describe_plugins(appserver::plugin_search_dirs(options.plugins_dir)))
                std::printf("%s\n", line.c_str());
            return 0;
        case appserver::Command::stop: return appserver::stop_command(options.control_pidfile);
        case appserver::Command::reload: return appserver::reload_command(options.control_pidfile);
        case appserver::Command::reopen_logs: return appserver::reopen_logs_command(options.control_pidfile);
        default: break;
    }
    // The Python plugin is loaded before anything else happens (also for --check-config, and again
    // by the image a reload executes), so a missing or mismatched one stops here with one line.
    appserver::config::PythonPluginChoice choice;
    std::string error = appserver::config::choose_python_plugin(options.plugins, choice);
    appserver::LoadedPlugin plugin;
    if (error.empty())
        error = appserver::load_python_plugin(choice, appserver::plugin_search_dirs(options.plugins_dir), plugin);
    if (!error.empty()) {
        std::fprintf(stderr, "appserver: %s\n", error.c_str());
        return appserver::fail_before_start(error);
    }
    appserver::log::init();
    if (options.command == appserver::Command::check_config)
        return appserver::check_config(options, *plugin.runtime);
    return appserver::run_server(options, *plugin.runtime);
}
