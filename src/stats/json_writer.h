#pragma once
// A small JSON writer for the stats server: objects, arrays, keys, strings (escaped: quotes,
// backslash, control characters as \uXXXX; bytes that are not valid UTF-8 as \u00XX of the
// byte, so the document always parses) and integers. Commas are placed by the writer. The output
// is indented one tab per level, as uWSGI's stats server writes it.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace appserver::stats {

class JsonWriter {
public:
    JsonWriter& open_object();
    JsonWriter& close_object();
    JsonWriter& open_array();
    JsonWriter& close_array();
    JsonWriter& key(std::string_view name);
    JsonWriter& value(std::string_view text);
    JsonWriter& value(const char* text) { return value(std::string_view(text)); }
    JsonWriter& value(std::int64_t number);
    JsonWriter& value(std::uint64_t number);
    JsonWriter& value(int number) { return value(static_cast<std::int64_t>(number)); }
    JsonWriter& value(double number);
    template <typename T>
    JsonWriter& field(std::string_view name, const T& v) {
        key(name);
        return value(v);
    }
    const std::string& str() const { return out_; }
    std::string take() { return std::move(out_); }

private:
    void before_value();
    void newline();
    std::string out_;
    std::vector<bool> has_items_;  // per open container: a comma is due before the next item
    bool after_key_ = false;
};

// `text` as a JSON string literal, quotes included.
void append_json_string(std::string& out, std::string_view text);

}  // namespace appserver::stats
