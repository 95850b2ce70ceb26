#include "proto/server_error.h"

#include "proto/http_status.h"
#include "proto/response_head.h"

namespace appserver {

ServerError server_error(int status) {
    ServerError e;
    e.status = std::to_string(status);
    e.status += ' ';
    e.status += reason_phrase(status);
    e.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
    e.body = e.status + "\n";
    return e;
}

std::string server_error_bytes(int status) {
    ServerError e = server_error(status);
    ResponseFraming framing;
    framing.body = ResponseFraming::Body::content_length;
    framing.content_length = e.body.size();
    framing.keep_alive = false;
    std::string out;
    append_response_head(out, e.status, e.headers, framing, true);
    out += e.body;
    return out;
}

bool send_server_error(ResponseWriter& response, int status) {
    ServerError e = server_error(status);
    return response.start(e.status, e.headers, e.body.size()) && response.finish_with(e.body);
}

}  // namespace appserver
