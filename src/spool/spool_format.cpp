#include "spool/spool_format.h"

#include <string.h>  // strverscmp (GNU)

#include <algorithm>
#include <cstdio>

namespace appserver::spool {
namespace {

void put_u16(std::string& out, std::size_t value) {
    out.push_back(static_cast<char>(value & 0xff));
    out.push_back(static_cast<char>((value >> 8) & 0xff));
}

std::size_t get_u16(std::string_view in, std::size_t at) {
    return static_cast<std::size_t>(static_cast<unsigned char>(in[at])) |
           (static_cast<std::size_t>(static_cast<unsigned char>(in[at + 1])) << 8);
}

}  // namespace

bool encode_task(const Vars& vars, std::string_view body, std::string& out, std::string& error) {
    std::string block;
    for (const auto& [key, value] : vars) {
        if (key.size() > 0xffff || value.size() > 0xffff) {
            error = "a spool key or value is longer than 65535 bytes; use the 'body' for bigger values";
            return false;
        }
        put_u16(block, key.size());
        block += key;
        put_u16(block, value.size());
        block += value;
    }
    if (block.size() > kMaxVarsSize) {
        error = "the spool arguments are limited to 64k; use the 'body' for bigger values";
        return false;
    }
    out.clear();
    out.reserve(kHeaderSize + block.size() + body.size());
    out.push_back(static_cast<char>(kSpoolModifier1));
    put_u16(out, block.size());
    out.push_back('\0');
    out += block;
    out += body;
    return true;
}

std::size_t encoded_size(const Vars& vars, std::string_view body) {
    std::size_t size = kHeaderSize + body.size();
    for (const auto& [key, value] : vars) size += 4 + key.size() + value.size();
    return size;
}

DecodeStatus decode_task(std::string_view content, Vars& vars, std::string& body, std::string& error) {
    vars.clear();
    body.clear();
    if (content.size() < kHeaderSize) return DecodeStatus::short_file;
    std::size_t size = get_u16(content, 1);
    if (content.size() < kHeaderSize + size) {
        error = "the vars block (" + std::to_string(size) + " bytes) runs past the end of the file";
        return DecodeStatus::broken;
    }
    std::string_view block = content.substr(kHeaderSize, size);
    std::size_t at = 0;
    while (at < block.size()) {
        // As uwsgi_hooked_parse: each length must fit in what is left of the block.
        if (block.size() - at < 2) break;
        std::size_t key_len = get_u16(block, at);
        at += 2;
        if (block.size() - at < key_len + 2) {
            error = "a key's length runs past the vars block";
            return DecodeStatus::broken;
        }
        std::string key(block.substr(at, key_len));
        at += key_len;
        std::size_t value_len = get_u16(block, at);
        at += 2;
        if (block.size() - at < value_len) {
            error = "a value's length runs past the vars block";
            return DecodeStatus::broken;
        }
        vars.emplace_back(std::move(key), std::string(block.substr(at, value_len)));
        at += value_len;
    }
    body.assign(content.substr(kHeaderSize + size));
    return DecodeStatus::ok;
}

Placement placement_of(const Vars& vars) {
    Placement p;
    for (const auto& [key, value] : vars) {
        if (key == "spooler") {
            p.spooler = value;
        } else if (key == "priority") {
            p.priority = value;
        } else if (key == "at") {
            // uwsgi_str_num over the part before a dot; digits only here (a sign or junk: now).
            std::int64_t at = 0;
            for (char c : value) {
                if (c == '.') break;
                if (c < '0' || c > '9') {
                    at = 0;
                    break;
                }
                at = at * 10 + (c - '0');
            }
            p.at = at;
        }
    }
    return p;
}

std::string task_file_name(std::string_view host, long pid, std::uint64_t counter, int random, std::int64_t sec,
                           std::int64_t usec) {
    std::string name(kTaskPrefix);
    name += host;
    char tail[128];
    std::snprintf(tail, sizeof tail, "_%ld_%llu_%d_%llu_%llu", pid, static_cast<unsigned long long>(counter),
                  random, static_cast<unsigned long long>(sec), static_cast<unsigned long long>(usec));
    name += tail;
    return name;
}

bool is_task_name(std::string_view name) { return name.starts_with(kTaskPrefix); }

bool is_priority_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void version_sort(std::vector<std::string>& names) {
    std::sort(names.begin(), names.end(),
              [](const std::string& a, const std::string& b) { return ::strverscmp(a.c_str(), b.c_str()) < 0; });
}

}  // namespace appserver::spool
