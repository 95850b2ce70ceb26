#include "worker/static_serve.h"

#include <spdlog/spdlog.h>

#include <ctime>

#include "static/static_open.h"

namespace appserver {

bool serve_static_file(const StaticConfig& config, const StaticRequest& request, HttpResponseWriter& response,
                       std::string_view client) {
    if (request.method != "GET" && request.method != "HEAD") return false;
    for (const StaticCandidate& candidate : static_candidates(config, request.path)) {
        StaticOpen found = open_static(config, candidate);
        if (found.result == StaticOpen::Result::missing) continue;
        response.never_wait();  // the head and small answers are queued, never waited for
        if (found.result == StaticOpen::Result::refused) {
            spdlog::warn("{}: static file refused: {} -> 403", client, found.reason);
            response.send_simple(403, false);
            return true;
        }
        StaticFile file = std::move(found.file);
        // An index file may bring a skipped extension of its own (uWSGI checks the file found too).
        if (skipped_extension(config, file.path)) continue;
        std::string_view media_type = config.mime.lookup(file.path);
        StaticEntity entity;
        entity.media_type = media_type;
        entity.vary = gzip_rule_applies(config, file.path);
        std::string mapped_path = file.path;
        if (entity.vary && accepts_gzip(request.accept_encoding)) {
            StaticCandidate variant{candidate.mount, file.relative};
            StaticOpen gz = open_static(config, variant, ".gz");
            if (gz.result == StaticOpen::Result::opened) {
                file = std::move(gz.file);
                entity.gzip = true;
            }
        }
        entity.size = static_cast<std::uint64_t>(file.st.st_size);
        entity.mtime = file.st.st_mtime;
        entity.expires = expires_seconds(config, mapped_path, request.uri, media_type);
        StaticReply reply = plan_static_reply(request, entity, config.honour_range, std::time(nullptr));
        if (!response.start(reply.status_line, reply.headers, reply.length)) return true;
        // The body is queued (sent by the event loop, docs/design.md "Offloading"): a file cut
        // short while it is sent ends the connection then, and the output buffer logs it.
        if (reply.length > 0 && request.method == "GET" &&
            !response.send_file(file.fd.get(), reply.offset, reply.length))
            return true;
        response.finish();
        return true;
    }
    return false;
}

}  // namespace appserver
