#pragma once
// File extension -> media type, for static files: a built-in table of the common web types, to
// which mime.types files (`mimefile`, default /etc/mime.types when present) add and override.

#include <string>
#include <string_view>
#include <unordered_map>

namespace appserver {

class MimeTypes {
public:
    // The built-in table (html, css, js, json, svg, images, fonts, wasm, pdf, archives...).
    MimeTypes();

    // Adds the lines of a mime.types file ("type ext1 ext2", '#' comments); a later entry for
    // an extension replaces an earlier one. False: the file could not be read (`error` says why).
    bool load_file(const std::string& path, std::string& error);
    void add_text(std::string_view text);

    // The media type of `filename` from its extension (after the last '.', case-insensitive);
    // "" when the extension is unknown or there is none.
    std::string_view lookup(std::string_view filename) const;

private:
    std::unordered_map<std::string, std::string> by_extension_;
};

// The Content-Type header value for a media type: "application/octet-stream" when unknown, and
// "; charset=utf-8" after text types (text/*, JavaScript), as nginx's charset does.
std::string content_type_for(std::string_view media_type);

}  // namespace appserver
