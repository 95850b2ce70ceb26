#pragma once
// The access-log line: uWSGI's log-format variables (`%(addr) %(status)`...), compiled once at start
// into a list of parts and rendered per request into a caller's buffer without parsing anything
// again. Pure: no I/O, no clock; the session fills an AccessRecord and the writer (access_log.h)
// decides whether and where the line goes.
//
// Every value taken from the request is escaped, so a client cannot start a line of its own or
// break the line's quoting: in text formats as nginx does by default (`"`, `\`, bytes below 0x20
// and from 0x7f on become \xHH), in JSON formats as JSON strings (invalid UTF-8 bytes become the
// text \xHH). See docs/logging.md.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "appserver/app_runtime.h"

namespace appserver::log {

// How the response body was sent: by the application, from a file the app handed to
// wsgi.file_wrapper (sendfile), or by the server's static-file path. %(via) shows it.
enum class Via : std::uint8_t { app, sendfile, static_file };

// Everything a line can show about one request. Views point into the request and must outlive render().
struct AccessRecord {
    std::string_view addr;  // REMOTE_ADDR (or X-Forwarded-For under log-x-forwarded-for)
    std::string_view user;  // REMOTE_USER
    std::string_view method;
    std::string_view uri;              // REQUEST_URI, as received
    std::string_view proto;            // SERVER_PROTOCOL
    std::string_view host;             // HTTP_HOST
    std::string_view referer;          // HTTP_REFERER
    std::string_view uagent;           // HTTP_USER_AGENT
    const CgiVarList* vars = nullptr;  // for %(var.NAME), %(vars), %(cl)
    int status = 0;
    std::uint64_t body_bytes = 0;    // response body (%(rsize))
    std::uint64_t head_bytes = 0;    // status line + headers + blank line (%(hsize))
    std::uint64_t header_count = 0;  // response headers the app set (%(headers))
    std::int64_t start_us = 0;       // wall clock at the start of the request, µs since the epoch
    std::int64_t end_us = 0;         // wall clock when it ended (%(epoch) is its second)
    Via via = Via::app;
    std::uint64_t rss = 0;  // bytes; filled only when the format or memory-report asks for it
    std::uint64_t vsz = 0;
    int pid = 0;
    int wid = 0;  // worker id, 1-based
};

class AccessFormat {
public:
    // The built-in formats: `combined` (nginx's), `json` (one object per line), and appserver's
    // default line (what is logged without log-format: address, request line, status, body bytes,
    // milliseconds with three decimals).
    static constexpr std::string_view kCombined =
        R"fmt(%(addr) - %(user) [%(ltime)] "%(method) %(uri) %(proto)" %(status) %(rsize) "%(referer)" "%(uagent)")fmt";
    static constexpr std::string_view kJson =
        R"fmt({"time":"%(iso8601)","addr":"%(addr)","user":"%(user)","method":"%(method)","uri":"%(uri)",)fmt"
        R"fmt("proto":"%(proto)","status":%(status),"rsize":%(rsize),"hsize":%(hsize),"msecs":%(msecs),)fmt"
        R"fmt("micros":%(micros),"referer":"%(referer)","uagent":"%(uagent)","host":"%(host)",)fmt"
        R"fmt("pid":%(pid),"wid":%(wid),"via":"%(via)"})fmt";
    static constexpr std::string_view kDefault =
        R"fmt(%(addr) "%(method) %(uri) %(proto)" %(status) %(rsize) %(mtime)ms%(staticmark))fmt";

    // `combined`, `json`, "" (the default line) or a format string. A format that starts with `{`
    // is taken for a JSON template and escaped as JSON. Unknown variables are kept (rendered `-`,
    // as uWSGI renders an unset logvar) and listed in unknown().
    // With `memory_report`, RSS and VSZ are added: as uWSGI's `{address space usage: ...} {rss
    // usage: ...}` text after a text line, as "rss" and "vsz" keys in a JSON one.
    static AccessFormat compile(std::string_view spec, bool memory_report = false);

    // Appends the line (without a newline) to `out`.
    void render(const AccessRecord& record, std::string& out) const;

    bool json() const { return json_; }
    bool needs_memory() const { return needs_memory_; }
    const std::vector<std::string>& unknown() const { return unknown_; }

    enum class Field : std::uint8_t {
        text,
        addr,
        user,
        method,
        uri,
        proto,
        host,
        referer,
        uagent,
        var,
        status,
        size,
        rsize,
        hsize,
        headers,
        msecs,
        micros,
        secs,
        mtime,
        time,
        ltime,
        ftime,
        ctime,
        iso8601,
        epoch,
        tmsecs,
        tmicros,
        pid,
        wid,
        rss,
        vsz,
        rss_mb,
        vsz_mb,
        vars,
        cl,
        via,
        static_mark,
        unknown,
    };
    struct Part {
        Field field;
        std::string text;  // the literal text, or NAME of %(var.NAME)
    };
    const std::vector<Part>& parts() const { return parts_; }

private:
    std::vector<Part> parts_;
    std::vector<std::string> unknown_;
    bool json_ = false;
    bool empty_dash_ = true;  // an empty value shows as `-` (uWSGI, nginx); the json format shows ""
    bool needs_memory_ = false;
};

// The escapes, for tests and for other lines that carry client bytes.
void append_escaped_text(std::string& out, std::string_view value);
void append_escaped_json(std::string& out, std::string_view value);

}  // namespace appserver::log
