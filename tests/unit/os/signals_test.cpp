#include "os/signals.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

namespace appserver {
namespace {

bool caught_by_master(int sig) {
    const auto& ignored = ignored_master_signals();
    return find_signal(sig) || std::find(ignored.begin(), ignored.end(), sig) != ignored.end();
}

TEST(MasterSignals, EverySignalThatWouldEndTheMasterIsHandledOrIgnored) {
    // Default action "stop" or "ignore", faults that must keep their core dump, and the uncatchable.
    // SIGURG and SIGWINCH (default: ignore) and SIGSYS (sent with kill it would core-dump the
    // master) are caught so that the log says they arrived.
    const int keep_default[] = {SIGKILL, SIGSTOP, SIGTSTP, SIGCONT, SIGPIPE, SIGSEGV,
                                SIGBUS,  SIGFPE,  SIGILL,  SIGABRT, SIGTRAP};
    for (int sig = 1; sig <= SIGRTMAX; ++sig) {
        if (sig > 31 && sig < SIGRTMIN) continue;  // reserved by glibc for its threads
        if (std::find(std::begin(keep_default), std::end(keep_default), sig) != std::end(keep_default)) {
            EXPECT_FALSE(caught_by_master(sig)) << signal_name(sig);
            continue;
        }
        EXPECT_TRUE(caught_by_master(sig)) << "signal " << sig << " would end the master";
    }
    EXPECT_EQ(signal_name(SIGUSR2), "SIGUSR2");
    EXPECT_EQ(signal_name(SIGRTMIN + 3), "SIGRTMIN+3");
}

std::vector<int> drain(SignalQueue& q, int timeout_ms) { return q.wait(timeout_ms); }

TEST(SignalQueue, QueuesWhatTheMasterReceives) {
    SignalQueue q;
    ASSERT_EQ(::kill(::getpid(), SIGUSR2), 0);
    ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
    EXPECT_EQ(drain(q, 1000), (std::vector<int>{SIGUSR2, SIGHUP}));
}

TEST(SignalQueue, AChildThatHasNotResetTheHandlersDoesNotSpeakForTheMaster) {
    SignalQueue q;
    // A plain fork (as the app might do): the child still has the master's handler.
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::kill(::getpid(), SIGTERM);
        ::_exit(7);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 7);
    EXPECT_EQ(drain(q, 100), (std::vector<int>{SIGCHLD}));  // only the child's exit
}

TEST(SignalQueue, ForkChildGivesTheChildDefaultHandlersAndNoPipe) {
    SignalQueue q;
    pid_t pid = fork_child(ChildRole::plain);
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::kill(::getpid(), SIGTERM);  // default action: the child dies of it
        ::_exit(7);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    EXPECT_EQ(drain(q, 100), (std::vector<int>{SIGCHLD}));
}

TEST(SignalQueue, AWorkerChildKeepsSigtermBlockedForItsLoop) {
    SignalQueue q;
    pid_t pid = fork_child(ChildRole::worker);
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::kill(::getpid(), SIGTERM);  // blocked: pending, seen by epoll_pwait in the real loop
        sigset_t pending;
        sigpending(&pending);
        bool ok = sigismember(&pending, SIGTERM) && !worker_stop_requested();
        sigset_t none;
        sigemptyset(&none);
        sigsuspend(&none);  // delivers it to the worker's handler
        ::_exit(ok && worker_stop_requested() ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(SignalQueue, SignalsBlockedForExecArePendingNotLost) {
    SignalQueue q;
    sigset_t before = block_for_exec();
    ASSERT_EQ(::kill(::getpid(), SIGHUP), 0);
    EXPECT_TRUE(drain(q, 50).empty());
    restore_signal_mask(before);
    EXPECT_EQ(drain(q, 1000), (std::vector<int>{SIGHUP}));
}

}  // namespace
}  // namespace appserver
