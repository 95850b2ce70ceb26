#include <gtest/gtest.h>
#include <signal.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "os/signals.h"

namespace appserver {
namespace {

TEST(SignalsDoc, DocsSignalsMdMatchesTheTable) {
    const std::string path = std::string(APPSERVER_SOURCE_DIR) + "/docs/signals.md";
    std::string expected = render_signals_markdown();
    if (std::getenv("UPDATE_DOCS")) std::ofstream(path) << expected;
    std::ifstream in(path);
    std::stringstream actual;
    actual << in.rdbuf();
    EXPECT_EQ(actual.str(), expected) << "docs/signals.md is out of date; regenerate it with "
                                         "UPDATE_DOCS=1 ./build/unit_tests --gtest_filter='SignalsDoc.*'";
}

TEST(SignalsTable, EveryIssueSignalHasItsAction) {
    EXPECT_EQ(find_signal(SIGHUP)->action, MasterAction::reload);
    EXPECT_EQ(find_signal(SIGTERM)->action, MasterAction::graceful_stop);
    EXPECT_EQ(find_signal(SIGINT)->action, MasterAction::immediate_stop);
    EXPECT_EQ(find_signal(SIGQUIT)->action, MasterAction::immediate_stop);
    EXPECT_EQ(find_signal(SIGUSR1)->action, MasterAction::reopen_logs);
    EXPECT_EQ(find_signal(SIGTTIN)->action, MasterAction::add_worker);
    EXPECT_EQ(find_signal(SIGTTOU)->action, MasterAction::remove_worker);
    EXPECT_EQ(find_signal(SIGUSR2)->action, MasterAction::dump_stats);
}

}  // namespace
}  // namespace appserver
