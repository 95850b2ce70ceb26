// The scoreboard's request text and the worker's per-request writes, read back as the master's
// snapshot sees them.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "os/scoreboard.h"
#include "stats/prometheus.h"
#include "stats/snapshot.h"
#include "stats/uwsgi_json.h"
#include "worker/worker_stats.h"

namespace appserver {
namespace {

TEST(RequestText, KeepsAndCutsText) {
    RequestText t;
    t.write("GET", "/a/b?c=d", 1234);
    std::string method, uri;
    std::int64_t at = 0;
    ASSERT_TRUE(t.read(method, uri, at));
    EXPECT_EQ(method, "GET");
    EXPECT_EQ(uri, "/a/b?c=d");
    EXPECT_EQ(at, 1234);
    t.write("PROPFIND-TOO-LONG-METHOD", std::string(1000, 'x'), 5);
    ASSERT_TRUE(t.read(method, uri, at));
    EXPECT_EQ(method, "PROPFIND-TOO-LON");
    EXPECT_EQ(uri, std::string(RequestText::kUriWords * 8, 'x'));
}

TEST(RequestText, AReaderNeverSeesATornString) {
    // Two strings of different lengths and letters: a torn read would mix them.
    RequestText t;
    const std::string a(200, 'a'), b(40, 'b');
    t.write("GET", a, 1);
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        for (int i = 0; !stop.load(); ++i) t.write(i % 2 ? "POST" : "GET", i % 2 ? b : a, i);
    });
    int consistent = 0;
    for (int i = 0; i < 200000; ++i) {
        std::string method, uri;
        std::int64_t at = 0;
        if (!t.read(method, uri, at)) continue;  // the writer kept it busy: nothing shown
        ASSERT_TRUE((method == "GET" && uri == a) || (method == "POST" && uri == b)) << method << " " << uri;
        ++consistent;
    }
    stop = true;
    writer.join();
    EXPECT_GT(consistent, 0);
}

TEST(WorkerStats, ARequestMovesTheCountersTheSnapshotReads) {
    std::string error;
    auto board = Scoreboard::create(2, 1, error);
    ASSERT_TRUE(board) << error;
    board->claim(1, ::getpid());
    worker_stats::attach(1, true);
    worker_stats::set_accepting(true);
    {
        worker_stats::RequestScope scope("GET", "/busy");
        stats::WorkerSnapshot busy = stats::read_worker(*board, 1, ::getpid());
        EXPECT_EQ(busy.status, "busy");
        ASSERT_EQ(busy.cores.size(), 1u);
        EXPECT_TRUE(busy.cores[0].in_request);
        EXPECT_EQ(busy.cores[0].uri, "/busy");
        scope.finish(200, 100, false, false);
    }
    {
        worker_stats::RequestScope scope("GET", "/boom");
        scope.finish(500, 50, true, false);
    }
    stats::WorkerSnapshot w = stats::read_worker(*board, 1, ::getpid());
    EXPECT_EQ(w.status, "idle");
    EXPECT_TRUE(w.accepting);
    EXPECT_EQ(w.requests, 2u);
    EXPECT_EQ(w.exceptions, 1u);
    EXPECT_EQ(w.tx, 150u);
    EXPECT_FALSE(w.cores[0].in_request);

    stats::MasterFacts facts;
    facts.version = "test";
    facts.runtime = "Python 3.11.2 (/usr/bin/python3)";
    facts.workers = {{1, ::getpid()}, {2, 0}};
    stats::StatsSnapshot s = stats::take_snapshot(board.get(), facts);
    EXPECT_EQ(s.totals.status_class[1], 1u);
    EXPECT_EQ(s.totals.status_class[4], 1u);
    EXPECT_EQ(s.workers[1].status, "cheap");  // no process in slot 2
    std::string metrics = stats::render_prometheus(s);
    EXPECT_NE(metrics.find("appserver_requests_total{status=\"5xx\"} 1\n"), std::string::npos);
    EXPECT_NE(metrics.find("appserver_request_duration_seconds_bucket{le=\"+Inf\"} 2\n"), std::string::npos);
    EXPECT_NE(metrics.find("version=\"3.11.2\""), std::string::npos);
    EXPECT_NE(stats::render_uwsgi_json(s).find("\"requests\":2"), std::string::npos);
    worker_stats::attach(0, false);  // detach: other tests run in this process
}

TEST(WorkerStats, DurationBuckets) {
    EXPECT_EQ(worker_stats::duration_bucket(0.001), 0u);
    EXPECT_EQ(worker_stats::duration_bucket(0.005), 0u);  // le is inclusive
    EXPECT_EQ(worker_stats::duration_bucket(0.3), 6u);
    EXPECT_EQ(worker_stats::duration_bucket(60), kDurationBuckets.size());  // +Inf
}

TEST(Prometheus, PythonVersionFromTheRuntimeLine) {
    EXPECT_EQ(stats::python_version_of("Python 3.11.2 (/usr/bin/python3.11)"), "3.11.2");
    EXPECT_EQ(stats::python_version_of("Python 3.12.0rc1"), "3.12.0rc1");
    EXPECT_EQ(stats::python_version_of("Ruby 3"), "");
}

}  // namespace
}  // namespace appserver
