#include "static/mime_types.h"

#include <cerrno>
#include <fstream>
#include <sstream>

#include "appserver/ascii.h"
#include "log/log.h"

namespace appserver {
namespace {

// What a site's static directory usually holds, so that a system without /etc/mime.types (a slim
// container) still serves CSS as text/css: a browser refuses a stylesheet of another type.
constexpr std::string_view kBuiltin = R"(
text/html html htm
text/css css
text/javascript js mjs
application/json json map
application/manifest+json webmanifest
application/xml xml
text/plain txt text
text/csv csv
text/markdown md
image/svg+xml svg svgz
image/png png
image/jpeg jpg jpeg
image/gif gif
image/webp webp
image/avif avif
image/vnd.microsoft.icon ico
image/bmp bmp
image/tiff tif tiff
font/woff woff
font/woff2 woff2
font/ttf ttf
font/otf otf
application/vnd.ms-fontobject eot
application/wasm wasm
application/pdf pdf
application/zip zip
application/gzip gz
application/x-tar tar
audio/mpeg mp3
audio/ogg ogg oga
audio/wav wav
video/mp4 mp4
video/webm webm
video/ogg ogv
)";

std::string lowered(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = ascii::lower(c);
    return out;
}

}  // namespace

MimeTypes::MimeTypes() { add_text(kBuiltin); }

void MimeTypes::add_text(std::string_view text) {
    std::istringstream lines{std::string(text)};
    std::string line;
    while (std::getline(lines, line)) {
        if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
        std::istringstream words(line);
        std::string type, ext;
        if (!(words >> type) || type.find('/') == std::string::npos) continue;
        while (words >> ext) by_extension_[lowered(ext)] = type;
    }
}

bool MimeTypes::load_file(const std::string& path, std::string& error) {
    std::ifstream in(path);
    if (!in) {
        error = log::syscall_error("open", path, errno);
        return false;
    }
    std::ostringstream text;
    text << in.rdbuf();
    add_text(text.str());
    return true;
}

std::string_view MimeTypes::lookup(std::string_view filename) const {
    std::size_t dot = filename.rfind('.');
    std::size_t slash = filename.rfind('/');
    if (dot == std::string_view::npos || (slash != std::string_view::npos && dot < slash)) return {};
    auto it = by_extension_.find(lowered(filename.substr(dot + 1)));
    return it == by_extension_.end() ? std::string_view() : std::string_view(it->second);
}

std::string content_type_for(std::string_view media_type) {
    if (media_type.empty()) return "application/octet-stream";
    std::string out(media_type);
    if (media_type.starts_with("text/") || media_type == "application/javascript") out += "; charset=utf-8";
    return out;
}

}  // namespace appserver
