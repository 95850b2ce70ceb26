#pragma once
// The server's own error responses (400, 413, 500, 504...): one shape for all of them, whoever
// sends them. The status line is "NNN Reason", the body "NNN Reason\n" as text/plain; the writer
// adds Date, Content-Length and Connection. Sent through a ResponseWriter with
// send_server_error() (appserver/app_runtime.h, for the plugins too), or as bytes by the harakiri
// watchdog, which has only the file descriptor.

#include <string>

#include "appserver/app_runtime.h"

namespace appserver {

struct ServerError {
    std::string status;  // "504 Gateway Timeout"
    HeaderList headers;  // Content-Type
    std::string body;    // "504 Gateway Timeout\n"
};

ServerError server_error(int status);

// The whole response as HTTP/1.1 bytes, with Connection: close (the connection ends after it).
std::string server_error_bytes(int status);

}  // namespace appserver
