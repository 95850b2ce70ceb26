#include "os/shared_memory.h"

#include <sys/mman.h>

#include <cerrno>
#include <utility>

#include "log/log.h"

namespace appserver {

bool SharedMemory::map(std::size_t size, std::string_view what, std::string& error) {
    void* memory = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {
        error = log::syscall_error("mmap", what, errno);
        return false;
    }
    if (memory_) ::munmap(memory_, size_);
    memory_ = memory;
    size_ = size;
    return true;
}

SharedMemory::~SharedMemory() {
    if (memory_) ::munmap(memory_, size_);
}

SharedMemory::SharedMemory(SharedMemory&& other) noexcept
    : memory_(std::exchange(other.memory_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SharedMemory& SharedMemory::operator=(SharedMemory&& other) noexcept {
    if (this != &other) {
        if (memory_) ::munmap(memory_, size_);
        memory_ = std::exchange(other.memory_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

}  // namespace appserver
