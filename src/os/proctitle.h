#pragma once
// Process titles as ps shows them ("appserver: master", "appserver: worker 2"): the argv area is
// overwritten (environ is moved out of the way first), and the kernel's comm name is set too.

#include <string_view>

namespace appserver::proctitle {

// Call first thing in main(), before anything reads argv or environ.
void init(int argc, char** argv);
void set(std::string_view title);

}  // namespace appserver::proctitle
