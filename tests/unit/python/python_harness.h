#pragma once
// Shared by the Python plugin tests: fake BodyReader/ResponseWriter, a log capture, and one
// PythonRuntime per test binary (CPython starts once per process) serving tests/unit/python's
// test app, which picks a behaviour by PATH_INFO.

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "appserver/app_runtime.h"
#include "python_runtime.h"

namespace appserver::python::testing {

// Serves `data` in reads of at most `chunk` bytes; fails (-1) once `fail_after` bytes are read.
class FakeBody : public BodyReader {
public:
    explicit FakeBody(std::string data = {}, std::size_t chunk = 1 << 20,
                      std::optional<std::size_t> fail_after = std::nullopt)
        : data_(std::move(data)), chunk_(chunk), fail_after_(fail_after) {}
    long read(char* buf, std::size_t size) override {
        ++calls;
        if (fail_after_ && offset_ >= *fail_after_) return -1;
        std::size_t count = std::min({size, chunk_, data_.size() - offset_});
        if (fail_after_) count = std::min(count, *fail_after_ - offset_);
        std::memcpy(buf, data_.data() + offset_, count);
        offset_ += count;
        return static_cast<long>(count);
    }
    std::size_t consumed() const { return offset_; }
    int calls = 0;

private:
    std::string data_;
    std::size_t chunk_;
    std::optional<std::size_t> fail_after_;
    std::size_t offset_ = 0;
};

// Records what the runtime sends; returns false (client gone) once `fail_after_writes` writes
// have succeeded.
class FakeWriter : public ResponseWriter {
public:
    bool start(std::string_view s, const HeaderList& h, std::optional<std::uint64_t> length) override {
        ++starts;
        status = s;
        headers = h;
        body_length = length;
        return true;
    }
    bool write(std::string_view data) override {
        EXPECT_EQ(starts, 1) << "write before start";
        if (fail_after_writes && writes >= *fail_after_writes) return false;
        ++writes;
        body.append(data);
        return true;
    }
    bool send_file(int fd, std::uint64_t offset, std::optional<std::uint64_t> count) override {
        ++sendfiles;
        file_offset = offset;
        file_count = count;
        std::string data(count.value_or(1 << 20), '\0');
        ssize_t got = ::pread(fd, data.data(), data.size(), static_cast<off_t>(offset));
        if (got > 0) body.append(data.data(), static_cast<std::size_t>(got));
        return true;
    }
    bool finish() override {
        ++finishes;
        return true;
    }
    bool started() const override { return starts > 0; }

    std::string header(const std::string& name) const {
        for (const auto& [key, value] : headers)
            if (key == name) return value;
        return "<absent>";
    }

    std::optional<int> fail_after_writes;
    int starts = 0, writes = 0, sendfiles = 0, finishes = 0;
    std::string status;
    HeaderList headers;
    std::optional<std::uint64_t> body_length;
    std::string body;
    std::uint64_t file_offset = 0;
    std::optional<std::uint64_t> file_count;
};

// Collects log lines for the duration of a scope.
class LogCapture {
public:
    LogCapture() : previous_(spdlog::default_logger()) {
        auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
        sink->set_pattern("%l %v");
        auto logger = std::make_shared<spdlog::logger>("capture", sink);
        logger->set_level(spdlog::level::debug);
        spdlog::set_default_logger(logger);
    }
    ~LogCapture() { spdlog::set_default_logger(previous_); }
    std::string text() const { return stream_.str(); }

private:
    std::ostringstream stream_;
    std::shared_ptr<spdlog::logger> previous_;
};

struct Harness {
    std::string dir;  // temp dir with app.py, pp1/, pp2/
    AppRuntime* runtime = nullptr;
};

// Starts the interpreter and loads the test app on first use (on the calling thread).
Harness& harness();

struct Reply {
    bool handled = false;
    FakeWriter writer;
    std::size_t body_consumed = 0;
};

// Runs one request through the harness runtime. `extra` vars are added after the defaults.
Reply request(const std::string& path, const std::string& body = {},
              std::vector<std::pair<std::string, std::string>> extra = {}, std::size_t body_chunk = 1 << 20,
              std::optional<int> fail_after_writes = std::nullopt, BodyReader* reader = nullptr);

}  // namespace appserver::python::testing
