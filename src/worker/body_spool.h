#pragma once
// A request body the event loop reads ahead that is larger than post-buffering (and within
// limit-post): kept in an unnamed temporary file instead of memory, as uWSGI does, then read back
// by the application. Nothing of it is ever visible in the file system.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "os/unique_fd.h"

namespace appserver {

class BodySpool {
public:
    // Holds bytes not yet read back.
    bool active() const { return static_cast<bool>(fd_); }
    std::uint64_t unread() const { return size_ - pos_; }
    // Appends `data`, creating the file on first use in $TMPDIR (else /tmp) with O_TMPFILE (or
    // mkstemp + unlink where the file system lacks it). False, with `error` set, when it cannot.
    bool append(std::string_view data, std::string& error);
    // Reads from where the last read ended: bytes read, 0 at the end, -1 on an I/O error (logged).
    long read(char* buf, std::size_t size);
    // Forgets the body and closes the file.
    void reset();

private:
    bool open(std::string& error);
    UniqueFd fd_;
    std::uint64_t size_ = 0;
    std::uint64_t pos_ = 0;
};

}  // namespace appserver
