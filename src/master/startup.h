#pragma once
// From loaded options to a running master: environment, sockets, application, banner, arbiter.

#include "appserver/app_runtime.h"
#include "appserver/options.h"

namespace appserver {

// Serves until stopped. Returns the process exit code (1 with one line on stderr when the start fails).
int run_server(Options& options, AppRuntime& runtime);

// A start that failed before run_server (the configuration cannot be read, the Python plugin
// cannot be loaded). In the image a reload executes, where the files changed after the reload
// check passed them, the workers of the previous generation keep serving under a degraded master
// (as when the image fails later) and this returns when it stops; else it returns 1 at once. The
// caller has printed `error`.
int fail_before_start(const std::string& error);

// --check-config: loads the configuration and the app, prints what would run; binds and forks nothing.
int check_config(Options& options, AppRuntime& runtime);

}  // namespace appserver
