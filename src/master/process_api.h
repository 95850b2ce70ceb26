#pragma once
// The core's side of include/appserver/api_process.h that needs the master: its pid, remembered
// before the first fork (a worker's parent may no longer be the master once it died).

#include <sys/types.h>

namespace appserver {

void note_master_pid(pid_t pid);

}  // namespace appserver
