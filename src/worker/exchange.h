#pragma once
// One request/response exchange on a connection: the application's view of the body
// (BodyReader) and of the response (ResponseWriter), framed as HTTP/1.1.

#include <sys/uio.h>

#include <cstdint>
#include <string>

#include "appserver/app_runtime.h"
#include "proto/response_head.h"
#include "worker/connection.h"
#include "worker/response_gate.h"

namespace appserver {

struct ExchangeSettings {
    int io_timeout_ms = 60000;
    bool keepalive_enabled = true;
    OutputLimits output;  // write-behind for slow readers
};

// A request thread's blocking read of request body bytes from the client (HTTP or uwsgi): counted
// as received and as activity on the connection. -1: the client went away or stalled past timeout_ms.
long read_body_bytes(Connection& conn, char* into, std::size_t size, int timeout_ms);

class HttpBodyReader final : public BodyReader {
public:
    HttpBodyReader(Connection& conn, const ExchangeSettings& settings) : conn_(conn), settings_(settings) {}
    // Called by the application only (it may wait for the client); what it leaves unread is
    // discarded by the event loop after the response.
    long read(char* buf, std::size_t size) override;

private:
    // Sends "100 Continue" when the client asked for it and it has not gone out yet.
    bool continue_once();
    // One read from the socket into `into`; -1: the client went away or stalled.
    long receive(char* into, std::size_t size);
    bool fill();
    Connection& conn_;
    const ExchangeSettings& settings_;
};

class HttpResponseWriter final : public ResponseWriter {
public:
    HttpResponseWriter(Connection& conn, const ExchangeSettings& settings, const RequestFacts& facts)
        : conn_(conn), settings_(settings), facts_(facts), timeout_ms_(settings.io_timeout_ms) {
        // Bytes of an earlier response still pending: a 504 sent now would land inside them.
        if (!conn_.output.empty()) gate_.claim_for_app();
    }

    bool start(std::string_view status, const HeaderList& headers,
               std::optional<std::uint64_t> body_length) override;
    bool write(std::string_view data) override;
    bool send_file(int fd, std::uint64_t offset, std::optional<std::uint64_t> count) override;
    bool finish() override;
    bool finish_with(std::string_view last) override;
    bool started() const override { return started_; }
    // Taken by start() before the first byte; the harakiri watchdog's 504 needs it too.
    ResponseGate& gate() { return gate_; }

    bool finished() const { return finished_; }
    bool keep_alive() const { return framing_.keep_alive && !failed_; }
    int status() const { return status_; }
    std::uint64_t body_bytes() const { return body_sent_; }
    // For the access log: the head's size (status line, headers, blank line), the headers the
    // application set, and whether a file was sent (wsgi.file_wrapper).
    std::uint64_t head_bytes() const { return head_size_; }
    std::uint64_t header_count() const { return header_count_; }
    bool sent_file() const { return sent_file_; }
    // Bytes handed to the socket (or queued for it): head, framing and body.
    std::uint64_t bytes_out() const { return bytes_out_; }
    // The client went away (or stalled past the limits) while the response was written.
    bool write_failed() const { return failed_ && !timed_out_by_watchdog_; }
    void note_exception() override { exception_ = true; }
    bool exception() const { return exception_; }

    // The server's own answer (400, 500...: send_server_error), with Connection: close when asked.
    bool send_simple(int status, bool close);
    // From now on nothing waits for the client: what the socket does not take is kept for the
    // event loop, and past the write-behind limits the write fails. For the server's own answers,
    // which are written outside the application call.
    void never_wait() { timeout_ms_ = 0; }

private:
    bool send(iovec* iov, int count, bool file_follows = false);
    bool flush_head();

    Connection& conn_;
    const ExchangeSettings& settings_;
    RequestFacts facts_;
    ResponseFraming framing_;
    std::string head_;  // serialized head, sent with the first body bytes
    ResponseGate gate_;
    bool started_ = false;
    bool finished_ = false;
    bool failed_ = false;
    int timeout_ms_;  // for each wait for the client when over the write-behind limits
    int status_ = 0;
    std::uint64_t body_sent_ = 0;
    std::uint64_t head_size_ = 0;
    std::uint64_t header_count_ = 0;
    bool sent_file_ = false;
    std::uint64_t bytes_out_ = 0;
    bool exception_ = false;
    bool timed_out_by_watchdog_ = false;
    bool last_bytes_ = false;  // finish_with: these sends end a connection that closes next
};

}  // namespace appserver
