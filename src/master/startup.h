#pragma once
// From loaded options to a running master: environment, sockets, application, banner, arbiter.

#include "appserver/app_runtime.h"
#include "appserver/options.h"

namespace appserver {

// Serves until stopped. Returns the process exit code (1 with one line on stderr when the start fails).
int run_server(Options& options, AppRuntime& runtime);

// --check-config: loads the configuration and the app, prints what would run; binds and forks nothing.
int check_config(Options& options, AppRuntime& runtime);

}  // namespace appserver
