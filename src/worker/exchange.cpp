#include "worker/exchange.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "proto/server_error.h"
#include "worker/socket_io.h"
#include "worker/worker_stats.h"

namespace appserver {
namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr char kLastChunk[] = "0\r\n\r\n";
constexpr char kCrlf[] = "\r\n";

iovec iov_of(const void* data, std::size_t size) { return iovec{const_cast<void*>(data), size}; }

}  // namespace

// ---- request body -------------------------------------------------------------------------------

bool HttpBodyReader::continue_once() {
    const HttpHead& head = conn_.parser->head();
    if (!head.expect_continue || conn_.continue_sent || head.version_minor != 1) return true;
    // The client waits for this before sending the body; sent only once the app asks for it.
    conn_.continue_sent = true;
    iovec iov = iov_of(kContinue, sizeof kContinue - 1);
    return conn_.output.send(conn_.fd.get(), &iov, 1, settings_.io_timeout_ms, settings_.output);
}

long read_body_bytes(Connection& conn, char* into, std::size_t size, int timeout_ms) {
    long n = read_some(conn.fd.get(), into, size, timeout_ms);
    if (n <= 0) return -1;  // the client went away or stalled in the middle of its body
    worker_stats::add_rx(static_cast<std::uint64_t>(n));
    conn.last_activity = Clock::now();
    return n;
}

long HttpBodyReader::receive(char* into, std::size_t size) {
    if (!continue_once()) return -1;
    return read_body_bytes(conn_, into, size, settings_.io_timeout_ms);
}

bool HttpBodyReader::fill() {
    if (!conn_.input.empty()) {
        conn_.feed_input();
        return true;
    }
    // Read into a scratch buffer of the thread: the connection keeps only what the parser leaves.
    thread_local std::string scratch(kReadChunk, '\0');
    long n = receive(scratch.data(), scratch.size());
    if (n < 0) return false;
    conn_.take_http(scratch.data(), static_cast<std::size_t>(n));
    return true;
}

long HttpBodyReader::read(char* buf, std::size_t size) {
    if (size == 0) return 0;
    // A body read ahead past post-buffering: its first part is in the spool file.
    if (conn_.spool.unread() > 0) return conn_.spool.read(buf, size);
    for (;;) {
        std::string& body = conn_.parser->body();
        if (conn_.body_taken < body.size()) {
            std::size_t n = std::min(size, body.size() - conn_.body_taken);
            std::memcpy(buf, body.data() + conn_.body_taken, n);
            conn_.body_taken += n;
            if (conn_.body_taken == body.size()) {
                body.clear();
                conn_.body_taken = 0;
            }
            return static_cast<long>(n);
        }
        switch (conn_.parser->state()) {
            case HttpRequestParser::State::complete: return 0;
            case HttpRequestParser::State::error: return -1;
            default: break;
        }
        if (std::uint64_t left = conn_.parser->length_body_left(); left > 0 && conn_.input.empty()) {
            // A Content-Length body with nothing read ahead: from the socket straight into the
            // caller's buffer (no copy through the parser), never past the body's end, so the
            // next pipelined request stays in the socket.
            long n = receive(buf, static_cast<std::size_t>(std::min<std::uint64_t>(size, left)));
            if (n < 0) return -1;
            conn_.parser->feed_body_in_place(buf, static_cast<std::size_t>(n));
            return n;
        }
        if (!fill()) return -1;
    }
}

// ---- response -----------------------------------------------------------------------------------

bool HttpResponseWriter::send(iovec* iov, int count, bool file_follows) {
    if (failed_) return false;
    std::uint64_t total = 0;  // counted first: send() may advance the iovecs
    for (int i = 0; i < count; ++i) total += iov[i].iov_len;
    // MSG_MORE on a closing connection's last bytes: the kernel holds them until the close that
    // follows at once, which sends them with its FIN in one segment (8 segments per connection on
    // loopback instead of 10: no separate FIN, no separate ACK of the data).
    bool more = file_follows || last_bytes_;
    if (!conn_.output.send(conn_.fd.get(), iov, count, timeout_ms_, settings_.output, more)) {
        failed_ = true;
        return false;
    }
    bytes_out_ += total;
    head_.clear();
    return true;
}

bool HttpResponseWriter::start(std::string_view status, const HeaderList& headers,
                               std::optional<std::uint64_t> body_length) {
    if (started_) return false;
    started_ = true;
    if (!gate_.claim_for_app()) {
        failed_ = true;  // the harakiri watchdog answered 504 already
        timed_out_by_watchdog_ = true;
    }
    status_ = status_code(status);
    // A request body found malformed while the app read it (a bad chunk, a forbidden trailer): the
    // framing is in doubt, so this response is the connection's last and says so.
    if (conn_.parser && conn_.parser->state() == HttpRequestParser::State::error) facts_.keep_alive = false;
    if (conn_.body_awaits_continue()) facts_.keep_alive = false;  // after_response closes: say so
    framing_ = choose_framing(status_, headers, body_length, facts_);
    head_.clear();
    append_response_head(head_, status, headers, framing_, facts_.http11);
    head_size_ = head_.size();
    header_count_ = headers.size();
    return !failed_;
}

bool HttpResponseWriter::flush_head() {
    if (head_.empty()) return !failed_;
    iovec iov = iov_of(head_.data(), head_.size());
    return send(&iov, 1);
}

bool HttpResponseWriter::write(std::string_view data) {
    if (!started_ || finished_ || failed_) return false;
    if (data.empty()) return true;
    if (!framing_.send_body || framing_.body == ResponseFraming::Body::none) return flush_head();
    if (framing_.body == ResponseFraming::Body::content_length) {
        // Bytes past the declared Content-Length would be read as the next response: drop them.
        std::uint64_t left = framing_.content_length - body_sent_;
        if (data.size() > left) data = data.substr(0, static_cast<std::size_t>(left));
        if (data.empty()) return flush_head();
    }
    iovec iov[4];
    int n = 0;
    if (!head_.empty()) iov[n++] = iov_of(head_.data(), head_.size());
    char chunk_size[24];
    if (framing_.body == ResponseFraming::Body::chunked) {
        int len = std::snprintf(chunk_size, sizeof chunk_size, "%zx\r\n", data.size());
        iov[n++] = iov_of(chunk_size, static_cast<std::size_t>(len));
        iov[n++] = iov_of(data.data(), data.size());
        iov[n++] = iov_of(kCrlf, 2);
    } else {
        iov[n++] = iov_of(data.data(), data.size());
    }
    if (!send(iov, n)) return false;
    body_sent_ += data.size();
    return true;
}

bool HttpResponseWriter::send_file(int fd, std::uint64_t offset, std::optional<std::uint64_t> count) {
    if (!started_ || finished_ || failed_) return false;
    std::uint64_t size = 0;
    if (count) {
        size = *count;
    } else {
        struct stat st {};
        if (::fstat(fd, &st) != 0) return false;
        size = static_cast<std::uint64_t>(st.st_size) > offset
                   ? static_cast<std::uint64_t>(st.st_size) - offset
                   : 0;
    }
    if (framing_.body == ResponseFraming::Body::content_length)
        size = std::min(size, framing_.content_length - body_sent_);
    if (!framing_.send_body || framing_.body == ResponseFraming::Body::none || size == 0) return flush_head();

    bool chunked = framing_.body == ResponseFraming::Body::chunked;
    char chunk_size[24];
    iovec iov[2];
    int n = 0;
    if (!head_.empty()) iov[n++] = iov_of(head_.data(), head_.size());
    if (chunked) {
        int len =
            std::snprintf(chunk_size, sizeof chunk_size, "%llx\r\n", static_cast<unsigned long long>(size));
        iov[n++] = iov_of(chunk_size, static_cast<std::size_t>(len));
    }
    if (n > 0 && !send(iov, n, true)) return false;
    // Queued after the head: the event loop sends it (sendfile on EPOLLOUT) while this thread
    // goes on to the next request; the connection reads its next request once it is sent.
    if (!conn_.output.send_file(conn_.fd.get(), fd, offset, size, timeout_ms_)) {
        failed_ = true;
        return false;
    }
    body_sent_ += size;
    sent_file_ = true;
    bytes_out_ += size;
    if (chunked) {
        iovec crlf = iov_of(kCrlf, 2);
        return send(&crlf, 1);
    }
    return true;
}

bool HttpResponseWriter::finish() {
    if (!started_ || failed_) return false;
    if (finished_) return true;
    finished_ = true;
    iovec iov[2];
    int n = 0;
    if (!head_.empty()) iov[n++] = iov_of(head_.data(), head_.size());
    if (framing_.send_body && framing_.body == ResponseFraming::Body::chunked)
        iov[n++] = iov_of(kLastChunk, sizeof kLastChunk - 1);
    if (n > 0 && !send(iov, n)) return false;
    if (framing_.send_body && framing_.body == ResponseFraming::Body::content_length &&
        body_sent_ < framing_.content_length) {
        // The app promised more than it sent: the client can only learn that from a closed connection.
        failed_ = true;
        return false;
    }
    return true;
}

bool HttpResponseWriter::finish_with(std::string_view last) {
    // Only when the connection ends with this response (the loop closes it right after): on a
    // kept-alive one nothing would release the held bytes but the kernel's probe timer.
    last_bytes_ = started_ && !framing_.keep_alive;
    bool ok = ResponseWriter::finish_with(last);
    last_bytes_ = false;
    return ok;
}

bool HttpResponseWriter::send_simple(int status, bool close) {
    if (close) facts_.keep_alive = false;
    return send_server_error(*this, status);
}

}  // namespace appserver
